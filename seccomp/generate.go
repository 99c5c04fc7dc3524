package seccomp

//go:generate go run mksysnum.go
