package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/rootfs/image"
)

// imageCommand is `lambdad image`: the container images of PackageType
// Image functions, kept under --state-dir. Its subcommands work on the
// state directory directly, whether a daemon runs or not.
func imageCommand() *cli.Command {
	flags := append([]cli.Flag{stateDirFlag()}, registryFlags()...)
	return &cli.Command{
		Name:  "image",
		Usage: "pull, load, list and remove the container images of Image functions",
		Subcommands: []*cli.Command{
			{Name: "pull", Usage: "fetch an image from its registry and unpack it", ArgsUsage: "REF", Flags: flags, Action: imagePull},
			{Name: "load", Usage: "store the images of a docker save tarball or an OCI layout (directory or tar)", ArgsUsage: "FILE", Flags: flags, Action: imageLoad},
			{Name: "ls", Usage: "list the images", Flags: flags, Action: imageList},
			{Name: "rm", Usage: "remove references (or, given a digest, every reference to that image); prune frees the disk", ArgsUsage: "REF...", Flags: flags, Action: imageRemove},
			{Name: "prune", Usage: "remove the images no reference names, and the trees and blobs no image needs", Flags: flags, Action: imagePrune},
		},
	}
}

func openImages(c *cli.Context) (*image.Store, error) {
	s, err := image.Open(image.Options{
		StateDir: c.String("state-dir"),
		Mirrors:  c.StringSlice("registry-mirror"),
		Insecure: c.StringSlice("insecure-registry"),
	})
	if err != nil {
		return nil, cli.Exit("image: "+err.Error(), 1)
	}
	return s, nil
}

// oneArg is the command's only argument.
func oneArg(c *cli.Context, what string) (string, error) {
	if c.NArg() != 1 {
		return "", cli.Exit(fmt.Sprintf("image %s: want one %s", c.Command.Name, what), 2)
	}
	return c.Args().First(), nil
}

// interruptible is a context ended by SIGINT or SIGTERM: a pull stopped
// that way keeps the layers it finished.
func interruptible(c *cli.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
}

func imagePull(c *cli.Context) error {
	ref, err := oneArg(c, "REF")
	if err != nil {
		return err
	}
	s, err := openImages(c)
	if err != nil {
		return err
	}
	ctx, stop := interruptible(c)
	defer stop()
	img, err := s.Pull(ctx, ref, image.WriterProgress(c.App.ErrWriter))
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	fmt.Fprintf(c.App.Writer, "%s %s\n", img.Ref, img.Digest)
	return nil
}

func imageLoad(c *cli.Context) error {
	file, err := oneArg(c, "FILE")
	if err != nil {
		return err
	}
	s, err := openImages(c)
	if err != nil {
		return err
	}
	ctx, stop := interruptible(c)
	defer stop()
	imgs, err := s.Load(ctx, file, image.WriterProgress(c.App.ErrWriter))
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	for _, img := range imgs {
		fmt.Fprintf(c.App.Writer, "%s %s\n", img.Ref, img.Digest)
	}
	return nil
}

func imageList(c *cli.Context) error {
	s, err := openImages(c)
	if err != nil {
		return err
	}
	list, err := s.List()
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "REFERENCE\tDIGEST\tSIZE\tCREATED\tTREE")
	for _, im := range list {
		tree := im.Tree
		if !im.TreePresent {
			tree = "(not unpacked)"
		}
		refs := im.Refs
		if len(refs) == 0 {
			refs = []string{"<none>"}
		}
		for _, r := range refs {
			fmt.Fprintf(w, "%s\t%s\t%.1f MB\t%s\t%s\n", r, shortDigest(im.Digest), float64(im.Size)/1e6, im.Created.UTC().Format(time.DateTime), tree)
		}
	}
	return w.Flush()
}

func shortDigest(d string) string {
	hx := strings.TrimPrefix(d, "sha256:")
	return hx[:min(12, len(hx))]
}

func imageRemove(c *cli.Context) error {
	if c.NArg() == 0 {
		return cli.Exit("image rm: want REF...", 2)
	}
	s, err := openImages(c)
	if err != nil {
		return err
	}
	var failed bool
	for _, ref := range c.Args().Slice() {
		if err := s.Remove(ref); err != nil {
			fmt.Fprintln(c.App.ErrWriter, "lambdad:", err)
			failed = true
			continue
		}
		fmt.Fprintln(c.App.Writer, "untagged", ref)
	}
	if failed {
		return cli.Exit("", 1)
	}
	return nil
}

// imagePrune keeps every image a reference names: unlike the daemon, the
// command cannot know which untagged images running sandboxes use.
func imagePrune(c *cli.Context) error {
	s, err := openImages(c)
	if err != nil {
		return err
	}
	removed, err := s.Prune(nil)
	for _, r := range removed {
		fmt.Fprintln(c.App.Writer, "removed", r)
	}
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	return nil
}
