package watch

import "testing"

func TestIgnored(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{".handler.py.swp", true},
		{".handler.py.swo", true},
		{".handler.py.swx", true},
		{"handler.py~", true},
		{".#handler.py", true},
		{"#handler.py#", true},
		{"4913", true},
		{"handler.py___jb_tmp___", true},
		{"handler.py___jb_old___", true},
		{"handler.py", false},
		{"function.json", false},
		{"bootstrap", false},
		{"fn.zip", false},
		{".env", false},
		{"#", false},
		{"##", false},
		{"49130", false},
		{"swp", false},
		{"a~b", false},
	} {
		if got := ignored(tc.name); got != tc.want {
			t.Errorf("ignored(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
