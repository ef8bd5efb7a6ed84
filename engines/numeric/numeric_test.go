package numeric

import (
	"math"
	"testing"
)

// The spec suite covers the numerics exhaustively; these pin down the
// helpers' edge cases directly.

func TestMinMax(t *testing.T) {
	negZero, posZero := math.Float64bits(math.Copysign(0, -1)), math.Float64bits(0)
	if got := Fmin64(posZero, negZero); got != negZero {
		t.Errorf("min(+0, -0) = %#x", got)
	}
	if got := Fmax64(negZero, posZero); got != posZero {
		t.Errorf("max(-0, +0) = %#x", got)
	}
	canonical := uint64(0x7ff8000000000000)
	if got := Fmin64(canonical, math.Float64bits(1)); got != canonical {
		t.Errorf("min(nan, 1) = %#x, want the canonical NaN", got)
	}
	signalling := uint32(0x7fa00000)
	if got := Fmax32(math.Float32bits(1), signalling); got != signalling|quiet32 {
		t.Errorf("max(1, snan) = %#x, want it quieted", got)
	}
	if got := Fmin32(math.Float32bits(-1), math.Float32bits(2)); got != math.Float32bits(-1) {
		t.Errorf("min(-1, 2) = %#x", got)
	}
}

func TestRounding(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{0.5, 0}, {1.5, 2}, {2.5, 2}, {-0.5, math.Copysign(0, -1)}, {-3.5, -4},
	} {
		got := math.Float64frombits(Round64(math.Float64bits(tt.in), math.RoundToEven))
		if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("nearest(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := Round32(0x7fa00000, math.Ceil); got != 0x7fe00000 {
		t.Errorf("ceil(snan) = %#x", got)
	}
}

func TestTruncations(t *testing.T) {
	ok := []struct {
		f    func(float64) (uint64, string)
		in   float64
		want uint64
	}{
		{TruncI32S, -2147483648.9, 0x80000000},
		{TruncI32S, 2147483647.9, 0x7fffffff},
		{TruncI32U, -0.9, 0},
		{TruncI32U, 4294967295.9, 0xffffffff},
		{TruncI64S, -9223372036854775808, 1 << 63},
		{TruncI64U, 18446744073709549568, 18446744073709549568},
	}
	for _, tt := range ok {
		if got, msg := tt.f(tt.in); msg != "" || got != tt.want {
			t.Errorf("trunc(%v) = %#x %q, want %#x", tt.in, got, msg, tt.want)
		}
	}
	bad := []struct {
		f   func(float64) (uint64, string)
		in  float64
		msg string
	}{
		{TruncI32S, 2147483648, msgIntegerOverflow},
		{TruncI32S, -2147483649, msgIntegerOverflow},
		{TruncI32U, -1, msgIntegerOverflow},
		{TruncI64S, 9223372036854775808, msgIntegerOverflow},
		{TruncI64U, 18446744073709551616, msgIntegerOverflow},
		{TruncI64U, math.NaN(), msgInvalidConversion},
		{TruncI32S, math.Inf(1), msgIntegerOverflow},
	}
	for _, tt := range bad {
		if _, msg := tt.f(tt.in); msg != tt.msg {
			t.Errorf("trunc(%v): %q, want %q", tt.in, msg, tt.msg)
		}
	}
	sat := []struct {
		f    func(float64) uint64
		in   float64
		want uint64
	}{
		{SatI32S, math.Inf(-1), 0x80000000},
		{SatI32S, 3e9, 0x7fffffff},
		{SatI32U, -5, 0},
		{SatI32U, 5e9, 0xffffffff},
		{SatI64S, math.NaN(), 0},
		{SatI64S, -1e19, 1 << 63},
		{SatI64U, 2e19, math.MaxUint64},
		{SatI64U, 1.5, 1},
	}
	for _, tt := range sat {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("sat(%v) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
}
