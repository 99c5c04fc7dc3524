package main

import (
	"slices"
	"strings"
	"testing"
)

func TestFlagsFirst(t *testing.T) {
	for in, want := range map[string]string{
		"lambdad invoke hello":                                     "lambdad invoke hello",
		"lambdad invoke hello --payload {}":                        "lambdad invoke --payload {} hello",
		"lambdad invoke --endpoint http://x hello --log-type Tail": "lambdad invoke --endpoint http://x --log-type Tail hello",
		"lambdad invoke --payload={} hello":                        "lambdad invoke --payload={} hello",
		"lambdad invoke --payload -- -odd":                         "lambdad invoke --payload -- -odd",
		"lambdad serve --listen x":                                 "lambdad serve --listen x",
	} {
		if got := flagsFirst(strings.Fields(in)); !slices.Equal(got, strings.Fields(want)) {
			t.Errorf("flagsFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
