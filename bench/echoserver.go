package main

import (
	"io"
	"net"
	"net/http"
)

// echoServer is the warm rows' baseline: a plain net/http server on
// loopback, in the driver's process, that answers with the request body.
type echoServer struct {
	srv *http.Server
	url string
}

func startEchoServer() (*echoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go srv.Serve(ln)
	return &echoServer{srv: srv, url: "http://" + ln.Addr().String() + "/"}, nil
}

func (e *echoServer) close() { e.srv.Close() }
