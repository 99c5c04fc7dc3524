package catalog

import (
	"testing"

	"github.com/lambdad/lambdad/function"
)

// Read-only functions' URLs: on $LATEST, or on a template's alias; two
// names that differ by case share no id (the first in byte order keeps
// the readable one).
func TestStaticURLs(t *testing.T) {
	c, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	url := &function.URLConfig{AuthType: function.URLAuthNone}
	c.SetStatic(map[string]function.Config{
		"hello": {Name: "hello", URL: url},
		"Hello": {Name: "Hello", URL: url},
		"web":   {Name: "web", URL: url},
		"plain": {Name: "plain"},
	}, nil, map[string]string{"web": "live"})
	want := map[string]string{"Hello": "hello", "hello": function.URLHashID("hello", ""), "web": "web--live"}
	urls := c.URLs()
	if len(urls) != len(want) {
		t.Fatalf("URLs: %+v", urls)
	}
	for _, u := range urls {
		if u.ID != want[u.Function] || u.ReadOnly == "" {
			t.Errorf("%s (%s): id %q, want %q", u.Function, u.Qualifier, u.ID, want[u.Function])
		}
		if got, ok := c.LookupURL(u.ID); !ok || got.Function != u.Function {
			t.Errorf("LookupURL(%q) = %+v", u.ID, got)
		}
	}
	if u, err := c.URL("web", "live"); err != nil || u.ID != "web--live" {
		t.Errorf("URL(web, live) = %+v, %v", u, err)
	}
	if _, err := c.URL("web", ""); err == nil {
		t.Error("web's URL is on its alias, not $LATEST")
	}
	if _, err := c.CreateURL("plain", "", *url); err == nil {
		t.Error("a URL given to a read-only function")
	}
}
