package mautictest

import "testing"

func TestPHPJSON(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"object keeps order", object{}.add("b", 1).add("a", "x"), `{"b":1,"a":"x"}`},
		{"nil object is {}", object(nil), `{}`},
		{"nil list is []", list(nil), `[]`},
		{"null member", object{}.add("x", nil), `{"x":null}`},
		{"zero fraction kept", phpFloat(0), `0.0`},
		{"fraction", phpFloat(12.5), `12.5`},
		{"slash escaped", "Europe/Paris", `"Europe\/Paris"`},
		{"html left alone", "<a&b>", `"<a&b>"`},
		{"unicode escaped", "Müller", `"M\u00fcller"`},
		{"astral escaped", "😀", `"\ud83d\ude00"`},
		{"nested", object{}.add("l", list{object{}.add("k", true)}), `{"l":[{"k":true}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(phpJSON(tt.in)); got != tt.want {
				t.Errorf("phpJSON = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestObjectWith(t *testing.T) {
	o := object{}.add("id", 1).add("x", 2)
	w := o.with("id", nil)
	if string(phpJSON(w)) != `{"id":null,"x":2}` || string(phpJSON(o)) != `{"id":1,"x":2}` {
		t.Errorf("with = %s, original = %s", phpJSON(w), phpJSON(o))
	}
}
