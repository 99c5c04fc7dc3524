// Package deps holds the test that keeps the dependencies of lambdad's
// packages in one direction (docs/architecture.md, "Packages"): which of
// the module's packages each may import, and which outside the standard
// library. It has no code of its own.
package deps
