package attack_test

import (
	"fmt"
	"testing"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/attack"
)

// One POST that asks for more answers than the session may queue, from a
// client that never polls for them: the session is closed when its queue
// overflows instead of growing without bound.
func TestAmplificationFlood(t *testing.T) {
	const queue = 256
	s := startServer(t, serverOptions{engine: engineio.Options{MaxBufferedPackets: queue}})
	good := s.startGoodClients(t)
	sess := connected(t, s, attack.Polling)
	before := s.counters()
	events := make([]string, 4*queue)
	for i := range events {
		events[i] = fmt.Sprintf(`2%d["echo",%d]`, i, i)
	}
	// The POST itself is answered: the overflow closes the session, not
	// the request.
	if err := sess.SendMessages(ctx(t), events...); err != nil {
		t.Fatal(err)
	}
	end, err := sess.AwaitClose(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if end.Refused == nil && !end.ClosePacket {
		t.Fatalf("session ended by %+v", end)
	}
	s.waitMoved(t, before,
		counted("siogo_engine_queue_overflows_total", "transport", "polling"),
		counted(sessionsClosed, "transport", "polling", "reason", engineio.ReasonTransportError))
	good.check(t)
}
