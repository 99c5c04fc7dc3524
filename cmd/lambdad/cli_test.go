package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFlagsFirst(t *testing.T) {
	for in, want := range map[string]string{
		"lambdad invoke hello":                                     "lambdad invoke hello",
		"lambdad invoke hello --payload {}":                        "lambdad invoke --payload {} hello",
		"lambdad invoke --endpoint http://x hello --log-type Tail": "lambdad invoke --endpoint http://x --log-type Tail hello",
		"lambdad invoke --payload={} hello":                        "lambdad invoke --payload={} hello",
		"lambdad invoke --payload -- -odd":                         "lambdad invoke --payload -- -odd",
		"lambdad serve --listen x":                                 "lambdad serve --listen x",
		"lambdad logs hello -f --since 10m":                        "lambdad logs -f --since 10m hello",
		"lambdad logs hello --since 10m -t":                        "lambdad logs --since 10m -t hello",
	} {
		if got := flagsFirst(strings.Fields(in)); !slices.Equal(got, strings.Fields(want)) {
			t.Errorf("flagsFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"10m":                  now.Add(-10 * time.Minute),
		"2026-12-01T00:00:00Z": time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-5m", "yesterday", "12:00"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q): no error", bad)
		}
	}
}
