// Package numeric holds the WebAssembly spec's numeric operations whose
// semantics Go's operators do not give directly (NaN-propagating min/max,
// rounding, trapping and saturating float-to-int conversions). Every engine
// uses them: they are arithmetic, not engine state.
package numeric

import "math"

// Float helpers with the spec's exact semantics. Results that are NaN are
// the input NaN made quiet (the spec allows any arithmetic NaN, and a
// canonical input stays canonical); sign-only operations are done on bits
// in exec.

const (
	quiet32 = 0x00400000
	quiet64 = 0x0008000000000000
)

func Fmin32(x, y uint32) uint32 {
	a, b := math.Float32frombits(x), math.Float32frombits(y)
	switch {
	case a != a:
		return x | quiet32
	case b != b:
		return y | quiet32
	case a == b:
		return x | y // min(-0, +0) is -0
	case a < b:
		return x
	}
	return y
}

func Fmax32(x, y uint32) uint32 {
	a, b := math.Float32frombits(x), math.Float32frombits(y)
	switch {
	case a != a:
		return x | quiet32
	case b != b:
		return y | quiet32
	case a == b:
		return x & y // max(-0, +0) is +0
	case a > b:
		return x
	}
	return y
}

func Fmin64(x, y uint64) uint64 {
	a, b := math.Float64frombits(x), math.Float64frombits(y)
	switch {
	case a != a:
		return x | quiet64
	case b != b:
		return y | quiet64
	case a == b:
		return x | y
	case a < b:
		return x
	}
	return y
}

func Fmax64(x, y uint64) uint64 {
	a, b := math.Float64frombits(x), math.Float64frombits(y)
	switch {
	case a != a:
		return x | quiet64
	case b != b:
		return y | quiet64
	case a == b:
		return x & y
	case a > b:
		return x
	}
	return y
}

// Round32 applies an integral rounding function to an f32. Every f32 is
// exact as an f64 and so is the rounded result.
func Round32(x uint32, f func(float64) float64) uint32 {
	v := math.Float32frombits(x)
	if v != v {
		return x | quiet32
	}
	return math.Float32bits(float32(f(float64(v))))
}

func Round64(x uint64, f func(float64) float64) uint64 {
	v := math.Float64frombits(x)
	if v != v {
		return x | quiet64
	}
	return math.Float64bits(f(v))
}

// The trapping truncations take the operand as an f64 (an f32 converts
// exactly) and return the result's bits or a trap message.

func TruncI32S(v float64) (uint64, string) {
	if v != v {
		return 0, msgInvalidConversion
	}
	t := math.Trunc(v)
	if t < math.MinInt32 || t > math.MaxInt32 {
		return 0, msgIntegerOverflow
	}
	return uint64(uint32(int32(t))), ""
}

func TruncI32U(v float64) (uint64, string) {
	if v != v {
		return 0, msgInvalidConversion
	}
	t := math.Trunc(v)
	if t < 0 || t > math.MaxUint32 {
		return 0, msgIntegerOverflow
	}
	return uint64(uint32(t)), ""
}

func TruncI64S(v float64) (uint64, string) {
	if v != v {
		return 0, msgInvalidConversion
	}
	t := math.Trunc(v)
	if t < math.MinInt64 || t >= 1<<63 {
		return 0, msgIntegerOverflow
	}
	return uint64(int64(t)), ""
}

func TruncI64U(v float64) (uint64, string) {
	if v != v {
		return 0, msgInvalidConversion
	}
	t := math.Trunc(v)
	if t < 0 || t >= 1<<64 {
		return 0, msgIntegerOverflow
	}
	return uint64(t), ""
}

// The saturating truncations.

func SatI32S(v float64) uint64 {
	switch {
	case v != v:
		return 0
	case v <= math.MinInt32:
		return 0x80000000
	case v >= math.MaxInt32:
		return math.MaxInt32
	}
	return uint64(uint32(int32(v)))
}

func SatI32U(v float64) uint64 {
	switch {
	case v != v || v <= 0:
		return 0
	case v >= math.MaxUint32:
		return math.MaxUint32
	}
	return uint64(uint32(v))
}

func SatI64S(v float64) uint64 {
	switch {
	case v != v:
		return 0
	case v <= math.MinInt64:
		return 1 << 63
	case v >= 1<<63:
		return math.MaxInt64
	}
	return uint64(int64(v))
}

func SatI64U(v float64) uint64 {
	switch {
	case v != v || v <= 0:
		return 0
	case v >= 1<<64:
		return math.MaxUint64
	}
	return uint64(v)
}

// The spec's trap messages for the conversions.
const (
	msgIntegerOverflow   = "integer overflow"
	msgInvalidConversion = "invalid conversion to integer"
)
