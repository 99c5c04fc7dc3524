package daemon

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/sigv4"
)

// authentication reads the key file, if any: the Invoke API's verifier
// (nil: no signature needed) and the credentials sandboxes get. With keys,
// sandboxes get a key of their own, made now and accepted too, so that a
// function invokes another as before; without, LocalCredentials.
func authentication(keyFile string) (*sigv4.Verifier, function.Credentials, error) {
	if keyFile == "" {
		return nil, LocalCredentials, nil
	}
	keys, err := sigv4.LoadKeys(keyFile)
	if err != nil {
		return nil, function.Credentials{}, err
	}
	var id, secret [16]byte
	rand.Read(id[:])
	rand.Read(secret[:])
	creds := function.Credentials{AccessKeyID: "lambdad-sandbox-" + hex.EncodeToString(id[:8]), SecretAccessKey: hex.EncodeToString(secret[:])}
	keys[creds.AccessKeyID] = creds.SecretAccessKey
	return sigv4.NewVerifier(keys, invokeapi.SigningService, nil), creds, nil
}

// invokeAddr is the address sandboxes reach the Invoke API at: the first
// TCP listener's (none if every listener is a unix socket).
func invokeAddr(lns []net.Listener) netip.AddrPort {
	for _, ln := range lns {
		if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
			return tcp.AddrPort()
		}
	}
	return netip.AddrPort{}
}

// closeListeners closes the Invoke API's listeners (a unix socket's file
// is removed).
func (d *Daemon) closeListeners() {
	for _, ln := range d.lns {
		ln.Close()
	}
}
