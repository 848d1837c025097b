package socketio

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/siogo/siogo/internal/binjson"
)

var (
	ackFuncType = reflect.TypeFor[AckFunc]()
	errorType   = reflect.TypeFor[error]()
)

// handler is an event handler as registered: the func. The common
// signatures are called directly; any other func goes through reflection,
// guided by the funcInfo of its type. Sockets register handlers by the
// thousand, so a registration keeps nothing but the func.
type handler struct {
	fn any
}

// funcInfo is what a call through reflection needs to know about a func
// type: its parameters, inspected once per type.
type funcInfo struct {
	params []reflect.Type // fixed parameters, ack excluded
	rest   reflect.Type   // element type of a variadic parameter, or nil
	ack    reflect.Type   // type of the ack parameter, or nil
	retErr bool           // the func returns an error
}

// funcInfos caches the funcInfo of each func type (reflect.Type ->
// *funcInfo), made when a handler of the type is registered. Every socket
// registers its handlers anew, closures of the same few types: the cache
// holds one entry per handler type in the program, so it stays small.
var funcInfos sync.Map

// noAck stands for the ack of an event the client sent without one.
func noAck(...any) error { return nil }

func newHandler(fn any) (handler, error) {
	switch fn.(type) {
	// The forms call runs without reflection.
	case func(*Args), func(*Args, AckFunc), func(), func(AckFunc), func(string), func(string, AckFunc):
		return handler{fn: fn}, nil
	}
	t := reflect.TypeOf(fn)
	if t == nil || t.Kind() != reflect.Func {
		return handler{}, errors.New("handler must be a func")
	}
	if _, err := funcInfoOf(t); err != nil {
		return handler{}, err
	}
	return handler{fn: fn}, nil
}

// funcInfoOf returns the funcInfo of the func type t, from the cache or
// made and cached.
func funcInfoOf(t reflect.Type) (*funcInfo, error) {
	if fi, ok := funcInfos.Load(t); ok {
		return fi.(*funcInfo), nil
	}
	fi, err := newFuncInfo(t)
	if err != nil {
		return nil, err
	}
	funcInfos.Store(t, fi)
	return fi, nil
}

func newFuncInfo(t reflect.Type) (*funcInfo, error) {
	fi := &funcInfo{}
	switch {
	case t.NumOut() == 1 && t.Out(0) == errorType:
		fi.retErr = true
	case t.NumOut() != 0:
		return nil, errors.New("handler may return nothing or an error")
	}
	n := t.NumIn()
	if n > 0 && isAckType(t.In(n-1)) && !t.IsVariadic() {
		fi.ack = t.In(n - 1)
		n--
	}
	for i := 0; i < n; i++ {
		p := t.In(i)
		if t.IsVariadic() && i == n-1 {
			fi.rest = p.Elem()
			break
		}
		fi.params = append(fi.params, p)
	}
	return fi, nil
}

func isAckType(t reflect.Type) bool {
	return t == ackFuncType || t.ConvertibleTo(ackFuncType) && t.Kind() == reflect.Func
}

// call decodes the arguments into the handler's parameters and calls it.
// Missing arguments are zero values, extra ones are ignored, as a JS
// function ignores them.
func (h handler) call(args *Args, ack AckFunc) error {
	if ack == nil {
		ack = noAck
	}
	switch f := h.fn.(type) {
	case func(*Args):
		f(args)
	case func(*Args, AckFunc):
		f(args, ack)
	case func():
		f()
	case func(AckFunc):
		f(ack)
	case func(string):
		s, err := stringArg(args, 0)
		if err != nil {
			return err
		}
		f(s)
	case func(string, AckFunc):
		s, err := stringArg(args, 0)
		if err != nil {
			return err
		}
		f(s, ack)
	default:
		return h.callReflect(args, ack)
	}
	return nil
}

// stringArg decodes argument i into a string as a string parameter gets
// it: "" when the argument is missing.
func stringArg(args *Args, i int) (string, error) {
	if i >= args.Len() {
		return "", nil
	}
	if s, ok := binjson.UnquoteSimple(args.raw[i]); ok {
		return s, nil // what Decode gives, without a string on the heap to decode into
	}
	var s string
	if err := args.Decode(i, &s); err != nil {
		return "", err
	}
	return s, nil
}

func (h handler) callReflect(args *Args, ack AckFunc) error {
	fn := reflect.ValueOf(h.fn)
	fi, err := funcInfoOf(fn.Type()) // cached by newHandler
	if err != nil {
		return err
	}
	in := make([]reflect.Value, 0, len(fi.params)+2)
	for i, t := range fi.params {
		v := reflect.New(t)
		if i < args.Len() {
			if err := args.Decode(i, v.Interface()); err != nil {
				return err
			}
		}
		in = append(in, v.Elem())
	}
	if fi.rest != nil {
		for i := len(fi.params); i < args.Len(); i++ {
			v := reflect.New(fi.rest)
			if err := args.Decode(i, v.Interface()); err != nil {
				return err
			}
			in = append(in, v.Elem())
		}
	}
	if fi.ack != nil {
		in = append(in, reflect.ValueOf(ack).Convert(fi.ack))
	}
	out := fn.Call(in)
	if fi.retErr && !out[0].IsNil() {
		return fmt.Errorf("handler: %w", out[0].Interface().(error))
	}
	return nil
}
