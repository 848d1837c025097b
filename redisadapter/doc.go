// Package redisadapter is a socketio.Adapter that joins servers into a
// cluster through Redis pub/sub, speaking the wire protocol of Node's
// @socket.io/redis-adapter 8.x (the "classic" createAdapter, or the sharded
// createShardedAdapter, see below), so siogo and Node
// socket.io servers can share one cluster, and @socket.io/redis-emitter can
// reach siogo sockets.
//
// # Use
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	io := socketio.NewServer(socketio.Options{
//		Adapter: redisadapter.New(rdb, redisadapter.Options{}),
//	})
//	defer rdb.Close()
//	defer io.Close() // closes the adapters first
//
// Every server of the cluster, Go or Node, must use the same Key. The
// cluster-wide list of rooms, which socketio's Adapter interface lacks, is
// io.Of("/").Adapter().(*redisadapter.Adapter).AllRooms(ctx). Sockets that
// FetchSockets returns from other servers carry their data as the
// json.RawMessage those servers sent.
//
// # Model
//
// A Node is one server's membership in the cluster. It owns one Redis
// subscriber connection shared by all the namespaces of the server, read by
// one goroutine, and an ordered publish queue. Each namespace gets its own
// Adapter, with its own random uid, wrapping a socketio.InMemoryAdapter for
// the local sockets. An Adapter listens on the channels of its namespace
// (with the default Key "socket.io" and namespace "/"):
//
//	socket.io#/#*            PSUBSCRIBE: broadcasts, to all or to rooms
//	socket.io-request#/#     SUBSCRIBE: cluster requests
//	socket.io-response#/#    SUBSCRIBE: responses, shared
//	socket.io-response#/#U#  SUBSCRIBE: responses addressed to this uid
//
// A broadcast is delivered to the local sockets at once and published,
// unless it is Local, as msgpack [uid, packet, opts] on socket.io#/#R# when
// it names exactly one room R and on socket.io#/# otherwise. Receivers drop
// room messages for rooms they do not have before decoding them, and their
// own messages by uid.
//
// The other operations are requests on the request channel (JSON, except
// broadcasts with acks, which may carry binary and travel as msgpack; in
// JSON requests binary values take Node's Buffer form
// {"type":"Buffer","data":[...]}):
// FetchSockets, AllRooms, ServerSideEmit with an ack and EmitWithAck wait
// for one answer per server, the number of servers being the subscriber
// count of the request channel (PUBSUB NUMSUB). SocketsJoin, SocketsLeave
// and DisconnectSockets are applied locally at once and published; a node
// ignores its own copy. Server-side event handlers run one at a time, in
// arrival order, on a goroutine of their namespace, never on the
// subscriber's: they may make cluster requests themselves.
//
// # Failures
//
// Publishing never blocks the caller: messages wait in a bounded queue that
// one goroutine sends in pipelines, in order. While Redis is away, local
// delivery goes on, failed publishes are logged and counted (see
// Node.PublishErrors, and Options.OnError for metrics), and cluster
// requests fail once their timeout passes with an error wrapping
// ErrTimeout. go-redis reconnects the subscriber and subscribes again by
// itself; messages published meanwhile are lost, as with Node's adapter.
//
// # Sharded mode
//
// With Options.Mode ModeSharded the node speaks Node's createShardedAdapter
// protocol instead (Redis 7 sharded pub/sub; every server of the cluster
// must use it, with the same Key, Node's channelPrefix, and the same
// SubscriptionMode). Each namespace gets a *ShardedAdapter, a
// socket.io-adapter ClusterAdapter: envelopes {type, data, uid, nsp}, JSON
// or, when they carry binary, msgpack, SPUBLISHed on
//
//	socket.io#/#      SSUBSCRIBE: every message to all servers
//	socket.io#/#U#    SSUBSCRIBE: responses to this server (U: 16 hex)
//	socket.io#/#R#    SSUBSCRIBE, dynamic modes: broadcasts to room R
//
// The server count is PUBSUB SHARDNUMSUB socket.io#/#, summed over the
// masters of a Redis Cluster. In the dynamic modes a server subscribes to
// a room's channel when the room appears on it (and unsubscribes when it
// goes), asynchronously and in order, as Node does: a broadcast published
// to a room channel right after a remote join may miss the new member. On a
// Redis Cluster a node keeps one SSUBSCRIBE connection per hash slot in
// use, because go-redis re-subscribes a connection's channels in one
// command, which must not span slots; with many rooms in dynamic-private
// mode that is many connections. Messages on different channels of a
// Cluster, which may live on different masters, are not ordered with each
// other. The protocol has no allRooms request: ShardedAdapter.AllRooms is
// made of a fetchSockets. FetchSockets waits for its Timeout flag, or
// RequestsTimeout, and fails with Node's text "timeout reached: only X
// responses received out of Y".
//
// # Emitter
//
// A process that is not a server can still reach the sockets of a classic
// cluster: NewEmitter publishes what @socket.io/redis-emitter 5.1 publishes,
// byte for byte, so it drives Go and Node servers alike:
//
//	em := redisadapter.NewEmitter(rdb, redisadapter.EmitterOptions{})
//	em.To("news").Emit(ctx, "headline", "from a cron job")
package redisadapter
