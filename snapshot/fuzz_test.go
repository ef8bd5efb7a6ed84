package snapshot

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func addSeeds(f *testing.F) {
	for _, s := range []*Snapshot{fullSnapshot(false), {ModuleHash: HashModule(testModule)}} {
		f.Add(mustEncode(f, s, EncodeOptions{}))
		f.Add(mustEncode(f, s, EncodeOptions{OmitModule: true}))
	}
	// One image with memory pages (large, so only one).
	f.Add(mustEncode(f, fullSnapshot(true), EncodeOptions{OmitModule: true}))
}

// FuzzDecode: decoding never panics, fails with a one-line *DecodeError,
// and whatever decodes re-encodes deterministically to the same state.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkDecode)
}

// FuzzDecodeResealed fixes the checksums of the fuzzer's input first, so
// that mutations reach the section parsers behind them.
func FuzzDecodeResealed(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, reseal(b)) })
}

func checkDecode(t *testing.T, b []byte) {
	s, err := Decode(b)
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("bad error %T %q", err, err)
		}
		return
	}
	e1, err := Encode(s, EncodeOptions{})
	if err != nil {
		t.Fatalf("a decoded snapshot does not encode: %v", err)
	}
	s2, err := Decode(e1)
	if err != nil {
		t.Fatalf("a re-encoded snapshot does not decode: %v", err)
	}
	if d := Diff(s, s2); d != "" {
		t.Fatalf("re-encoding changed the state: %s", d)
	}
	e2, err := Encode(s2, EncodeOptions{})
	if err != nil || !bytes.Equal(e1, e2) {
		t.Fatalf("re-encoding is not deterministic (%v)", err)
	}
}
