package wasm

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ParseArgs converts arguments written as text (decimal or 0x hex
// integers, Go float syntax) to the raw bits of parameters of the given
// types, for `wdb run --invoke` and the debugger.
func ParseArgs(types []ValType, args []string) ([]uint64, error) {
	if len(args) != len(types) {
		return nil, fmt.Errorf("takes %d arguments (%v), got %d", len(types), types, len(args))
	}
	out := make([]uint64, len(args))
	for i, a := range args {
		var err error
		switch types[i] {
		case I32:
			var v int64
			v, err = strconv.ParseInt(a, 0, 64)
			if err == nil && (v < math.MinInt32 || v > math.MaxUint32) {
				err = errors.New("out of range for i32")
			}
			out[i] = uint64(uint32(v))
		case I64:
			var v int64
			v, err = strconv.ParseInt(a, 0, 64)
			out[i] = uint64(v)
		case F32:
			var v float64
			v, err = strconv.ParseFloat(a, 32)
			out[i] = uint64(math.Float32bits(float32(v)))
		case F64:
			var v float64
			v, err = strconv.ParseFloat(a, 64)
			out[i] = math.Float64bits(v)
		default:
			err = fmt.Errorf("parameters of type %v cannot be given as text", types[i])
		}
		if err != nil {
			return nil, fmt.Errorf("argument %d (%q): %w", i+1, a, err)
		}
	}
	return out, nil
}
