package binjson

import (
	"encoding/json"
	"testing"
)

type chatMessage struct {
	User    string   `json:"user"`
	Text    string   `json:"text"`
	Room    string   `json:"room"`
	Time    int64    `json:"time"`
	Tags    []string `json:"tags,omitempty"`
	Private bool     `json:"private"`
}

type fileMessage struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
	Size int    `json:"size"`
}

var benchMsg = chatMessage{User: "alice", Text: "hello <world> & friends", Room: "lobby", Time: 1700000000123, Tags: []string{"a", "b"}}

func BenchmarkAppendArrayNoBinary(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 512)
	var atts [][]byte
	for b.Loop() {
		var err error
		if buf, err = AppendArray(buf[:0], &atts, "event", benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendArrayNoBinaryCodec(b *testing.B) {
	b.ReportAllocs()
	var c Codec
	buf := make([]byte, 0, 512)
	var atts [][]byte
	for b.Loop() {
		var err error
		if buf, err = c.AppendArray(buf[:0], &atts, "event", benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

// The baseline: what encoding/json costs for the same array.
func BenchmarkJSONMarshalNoBinary(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal([]any{"event", benchMsg}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendArrayOneBinary(b *testing.B) {
	b.ReportAllocs()
	msg := fileMessage{Name: "photo.jpg", Data: make([]byte, 1024), Size: 1024}
	buf := make([]byte, 0, 512)
	atts := make([][]byte, 0, 4)
	for b.Loop() {
		var err error
		if buf, err = AppendArray(buf[:0], &atts, "upload", msg); err != nil {
			b.Fatal(err)
		}
		atts = atts[:0]
	}
}

func BenchmarkAppendArrayOneBinaryCodec(b *testing.B) {
	b.ReportAllocs()
	var c Codec
	msg := fileMessage{Name: "photo.jpg", Data: make([]byte, 1024), Size: 1024}
	buf := make([]byte, 0, 512)
	atts := make([][]byte, 0, 4)
	for b.Loop() {
		var err error
		if buf, err = c.AppendArray(buf[:0], &atts, "upload", msg); err != nil {
			b.Fatal(err)
		}
		atts = atts[:0]
	}
}

var benchObject = []byte(`{"user":"alice","text":"hello <world> & friends","room":"lobby","time":1700000000123,"tags":["a","b"],"private":false}`)

func BenchmarkUnmarshalStruct(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var m chatMessage
		if err := Unmarshal(benchObject, nil, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONUnmarshalStruct(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var m chatMessage
		if err := json.Unmarshal(benchObject, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalStructOneBinary(b *testing.B) {
	b.ReportAllocs()
	data := []byte(`{"name":"photo.jpg","data":{"_placeholder":true,"num":0},"size":1024}`)
	atts := [][]byte{make([]byte, 1024)}
	var c Codec
	for b.Loop() {
		var m fileMessage
		if err := c.Unmarshal(data, atts, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitArray(b *testing.B) {
	b.ReportAllocs()
	data := []byte(`["message",{"user":"alice","text":"hi \"there\""},42,[1,2,3],null]`)
	elems := make([]json.RawMessage, 0, 8)
	for b.Loop() {
		var err error
		if elems, err = SplitArray(elems[:0], data); err != nil || len(elems) != 5 {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
}
