package rootfs

// providedPlan plans the minimal tree for static bootstraps, reading only the
// CA bundle from the host rooted at host.
func providedPlan(host string) (*plan, error) {
	p := newPlan()
	identity(p)
	p.file("/etc/nsswitch.conf", []byte(nsswitch))
	p.file("/etc/os-release", []byte(osRelease))
	bundle, err := hostCABundle(host)
	if err != nil {
		return nil, err
	}
	if bundle != nil {
		p.file(caBundle, bundle)
		linkCABundle(p)
	}
	mountpoints(p)
	return p, nil
}
