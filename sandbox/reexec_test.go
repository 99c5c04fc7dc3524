package sandbox

import (
	"testing"

	"github.com/opencontainers/runc/libcontainer/exeseal"

	"github.com/lambdad/lambdad/host"
)

// The daemon seals its binary itself (package host); libcontainer must
// take that copy as safe, or it copies the binary again for every sandbox.
func TestHostSealIsLibcontainers(t *testing.T) {
	sealed, err := host.SealedCopy("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer sealed.Close()
	if !exeseal.IsCloned(sealed) {
		t.Error("libcontainer does not take host.SealedCopy's memfd as a sealed binary")
	}
}
