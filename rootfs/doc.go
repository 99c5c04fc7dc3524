// Package rootfs prepares the base root filesystems that sandboxes run on.
//
// A sandbox mounts its base tree read-only as "/" and mounts proc, a tmpfs
// /dev, a tmpfs /tmp, the code at /var/task, lambdad's init and runtime
// clients at /var/lambdad and layers at /opt on top. One tree is shared by every concurrent sandbox, so
// starting a sandbox must never write into it: every tree already contains
// each of lambda.Mountpoints.
//
// [Store.Base] knows three kinds of base:
//
//   - [Provided]: a minimal tree for static bootstraps (the provided.al2023
//     family). It holds the mountpoints, /etc/passwd and /etc/group naming root
//     and the sandbox user (lambda.UserName, lambda.UID:GID), /etc/hosts,
//     /etc/nsswitch.conf, /etc/os-release and the host's CA bundle at
//     /etc/ssl/certs/ca-certificates.crt with the Amazon Linux name
//     /etc/pki/tls/certs/ca-bundle.crt linked to it. A host without a CA
//     bundle gets a tree without one. Nothing in it is executable.
//   - [Host]: a skeleton whose system directories (/usr, /lib, …) are bound
//     read-only from the host, listed in [Tree.Binds] in mount order, so the
//     host's python3 or node run inside. Host symlinks such as /bin -> usr/bin
//     are reproduced; a few files a dynamic program needs (ld.so.cache,
//     nsswitch.conf, ssl/, alternatives/, python3*/, …) are copied into its
//     /etc, symlinks kept. Only world-readable files are copied, never
//     shadow, gshadow or ssl/private; passwd, group and hosts are lambdad's.
//   - an absolute path to a directory the user prepared (with debootstrap,
//     say). It gets the missing mountpoints created once, and is used in
//     place with no binds. The host's own "/" is refused.
//
// Provided and host trees are content-addressed: the Store plans everything a
// tree will contain, names it <dir>/<name>-<first 12 hex of its sha256>,
// builds it in a temporary directory beside it and renames it into place. A
// tree that already exists is reused, so restarts are free, concurrent
// builders (goroutines or processes) agree on one tree, and a change on the
// host (a new ld.so.cache, a new CA bundle) yields a new tree instead of
// changing one in use. Old trees are never removed by the Store, since a
// running sandbox may still use them.
//
// [Store.Unpack] holds the other read-only trees a sandbox binds: a
// function's code zip unpacked (<dir>/code-<first 12 hex of the zip's
// sha256>, bound at /var/task) and its layers merged in order
// (<dir>/opt-<digest>, bound at /opt). They are built, named and reused the
// same way, remembered by their sources' identity so that a cold start does
// not hash a zip again. Unpacking trusts nothing in a zip (zip.go): names
// that leave the tree, paths through symlinks, duplicates, entries other
// than files, directories and symlinks, and more than Lambda's 250 MB
// (counted as written, whatever the zip declares) or MaxEntries are refused,
// and a failure leaves nothing on disk.
//
// A Store looks at the host once per base: later calls return the remembered
// tree. A daemon restart (a new Store) picks up host changes. Directory bases
// are checked on every call, which never writes when the mountpoints exist.
package rootfs
