package redisadapter_test

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	io := socketio.NewServer(socketio.Options{
		Adapter: redisadapter.New(rdb, redisadapter.Options{}),
	})
	defer io.Close()

	// Reaches the sockets in "news" on every server of the cluster.
	io.To("news").Emit("headline", "siogo joins the cluster")

	// Cluster-wide queries.
	ctx := context.Background()
	sockets, err := io.In("news").FetchSockets(ctx)
	fmt.Println(len(sockets), err)
	rooms, err := io.Of("/").Adapter().(*redisadapter.Adapter).AllRooms(ctx)
	fmt.Println(len(rooms), err)
}
