// Package image keeps the container images of functions with PackageType
// Image: it pulls them from registries or loads them from files, and
// unpacks each into a read-only tree that sandboxes run on, as the rootfs
// package's base trees.
//
// On disk, under the daemon's state directory:
//
//	images/index.json          references → image digests, and each image's layers and config
//	images/lock, gc.lock       flock files: index.json's writers; pulls (shared) against Prune (exclusive)
//	images/blobs/sha256/<hex>  layer blobs as fetched (compressed), or, from a docker save
//	                           tarball, uncompressed and named by their diffID
//	rootfs/image-<12 hex>      the unpacked trees, beside the provided and host trees
//
// A tree is named after the chain of its layers' diffIDs and the version of
// the unpacking rules, so images sharing their layers share a tree. Blobs
// and trees are written under temporary names and renamed, so one that
// exists is whole; a pull that was interrupted keeps the blobs it finished
// and downloads only the rest. Open removes temporaries older than an hour.
//
// Layers are applied in order onto a temporary directory through an
// os.Root, so nothing can be written outside it, and with these rules:
// whiteouts (.wh.NAME) and opaque directories (.wh..wh..opq) remove what
// lower layers made; hard links must point to an earlier entry of the tree;
// symbolic links are created as written and never followed, so an entry
// whose parent path holds one fails the layer, as does an absolute or ../
// name; device nodes and fifos are left out; owners, modes (setuid
// included: sandboxes mount their root nosuid) and mtimes are kept. Every
// layer's content must hash to its diffID. An image beyond 10 GiB or a
// million entries is refused. Then the mountpoints a sandbox needs
// (lambda.Mountpoints, lambda.FileMountpoints) are made, replacing what is
// in their way. A failed unpack leaves no tree, no record, and none of the
// blobs it fetched.
//
// Remove only drops references: an image's tree and blobs go when Prune
// finds that no reference and nothing in use needs them.
package image
