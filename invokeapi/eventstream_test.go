package invokeapi

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// TestEventStreamDecodes: aws-sdk-go-v2's own decoder reads what
// appendEvent writes, checksums included, message after message.
func TestEventStreamDecodes(t *testing.T) {
	big := bytes.Repeat([]byte{0, 1, 0xff}, 100000)
	msgs := []struct {
		eventType, contentType string
		payload                []byte
	}{
		{eventPayloadChunk, "application/octet-stream", []byte("hello")},
		{eventPayloadChunk, "application/octet-stream", big},
		{eventPayloadChunk, "application/octet-stream", nil},
		{eventInvokeComplete, "application/json", []byte(`{"ErrorCode":"Boom"}`)},
	}
	var b []byte
	for _, m := range msgs {
		b = appendEvent(b, m.eventType, m.contentType, m.payload)
	}
	r := bytes.NewReader(b)
	dec := eventstream.NewDecoder()
	for i, want := range msgs {
		got, err := dec.Decode(r, nil)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		for name, value := range map[string]string{":event-type": want.eventType, ":content-type": want.contentType, ":message-type": "event"} {
			if v := got.Headers.Get(name); v == nil || v.String() != value {
				t.Errorf("message %d: %s = %v, want %s", i, name, v, value)
			}
		}
		if !bytes.Equal(got.Payload, want.payload) {
			t.Errorf("message %d: payload of %d bytes, want %d", i, len(got.Payload), len(want.payload))
		}
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left after the messages", r.Len())
	}

	// A flipped bit anywhere fails a checksum.
	for _, at := range []int{5, 14, 30, len(appendEvent(nil, eventPayloadChunk, "x", []byte("hello"))) - 1} {
		m := appendEvent(nil, eventPayloadChunk, "x", []byte("hello"))
		m[at] ^= 1
		if _, err := eventstream.NewDecoder().Decode(bytes.NewReader(m), nil); err == nil {
			t.Errorf("a flipped bit at %d decoded", at)
		}
	}
}
