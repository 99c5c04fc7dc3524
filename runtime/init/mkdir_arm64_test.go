package main

// arm64 has mkdirat only; a number no call has stands in for mkdir.
const mkdirNr = 0xffff
