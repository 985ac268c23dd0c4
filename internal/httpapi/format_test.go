package httpapi

import "testing"

func TestFormatUSD(t *testing.T) {
	cases := map[float64]string{
		0:                       "0",
		0.0000053:               "0.0000053",
		0.000005300000000000001: "0.0000053", // a real header before rounding
		3*0.1 - 0.3 + 0.000125:  "0.000125",
		1.5:                     "1.5",
		0.000000000001:          "0.000000000001",
	}
	for in, want := range cases {
		if got := formatUSD(in); got != want {
			t.Errorf("formatUSD(%v) = %q, want %q", in, got, want)
		}
	}
}
