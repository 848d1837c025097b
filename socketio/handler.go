package socketio

import (
	"errors"
	"fmt"
	"reflect"
)

var (
	argsPtrType = reflect.TypeFor[*Args]()
	ackFuncType = reflect.TypeFor[AckFunc]()
	errorType   = reflect.TypeFor[error]()
)

// handler is an event handler whose parameters were inspected once, when it
// was registered, so each call only decodes the arguments.
type handler struct {
	raw    func(*Args, AckFunc) error // the undecoded forms
	fn     reflect.Value
	params []reflect.Type // fixed parameters, ack excluded
	rest   reflect.Type   // element type of a variadic parameter, or nil
	ack    reflect.Type   // type of the ack parameter, or nil
	retErr bool           // the func returns an error
}

func newHandler(fn any) (*handler, error) {
	switch f := fn.(type) {
	case func(*Args):
		return &handler{raw: func(a *Args, _ AckFunc) error { f(a); return nil }}, nil
	case func(*Args, AckFunc):
		return &handler{raw: func(a *Args, ack AckFunc) error { f(a, ack); return nil }}, nil
	case func():
		return &handler{raw: func(*Args, AckFunc) error { f(); return nil }}, nil
	}
	v := reflect.ValueOf(fn)
	t := v.Type()
	if t.Kind() != reflect.Func {
		return nil, errors.New("handler must be a func")
	}
	h := &handler{fn: v}
	switch {
	case t.NumOut() == 1 && t.Out(0) == errorType:
		h.retErr = true
	case t.NumOut() != 0:
		return nil, errors.New("handler may return nothing or an error")
	}
	n := t.NumIn()
	if n > 0 && isAckType(t.In(n-1)) && !t.IsVariadic() {
		h.ack = t.In(n - 1)
		n--
	}
	for i := 0; i < n; i++ {
		p := t.In(i)
		if t.IsVariadic() && i == n-1 {
			h.rest = p.Elem()
			break
		}
		h.params = append(h.params, p)
	}
	return h, nil
}

func isAckType(t reflect.Type) bool {
	return t == ackFuncType || t.ConvertibleTo(ackFuncType) && t.Kind() == reflect.Func
}

// call decodes the arguments into the handler's parameters and calls it.
// Missing arguments are zero values, extra ones are ignored, as a JS
// function ignores them.
func (h *handler) call(args *Args, ack AckFunc) error {
	if ack == nil {
		ack = func(...any) error { return nil }
	}
	if h.raw != nil {
		return h.raw(args, ack)
	}
	in := make([]reflect.Value, 0, len(h.params)+2)
	for i, t := range h.params {
		v := reflect.New(t)
		if i < args.Len() {
			if err := args.Decode(i, v.Interface()); err != nil {
				return err
			}
		}
		in = append(in, v.Elem())
	}
	if h.rest != nil {
		for i := len(h.params); i < args.Len(); i++ {
			v := reflect.New(h.rest)
			if err := args.Decode(i, v.Interface()); err != nil {
				return err
			}
			in = append(in, v.Elem())
		}
	}
	if h.ack != nil {
		in = append(in, reflect.ValueOf(ack).Convert(h.ack))
	}
	out := h.fn.Call(in)
	if h.retErr && !out[0].IsNil() {
		return fmt.Errorf("handler: %w", out[0].Interface().(error))
	}
	return nil
}
