package redisadapter

import "strings"

// channels are the Redis channels of one namespace adapter.
type channels struct {
	broadcast string // P#N#: broadcasts to all or to several rooms
	pattern   string // P#N#*, glob characters of P and N escaped
	request   string // P-request#N#
	response  string // P-response#N#, shared
	specific  string // P-response#N#U#, this adapter's own
}

func newChannels(key, nsp, uid string) channels {
	c := channels{
		broadcast: key + "#" + nsp + "#",
		request:   key + "-request#" + nsp + "#",
		response:  key + "-response#" + nsp + "#",
	}
	c.pattern = escapeGlob(c.broadcast) + "*"
	c.specific = c.response + uid + "#"
	return c
}

// room returns the channel of a broadcast to exactly one room.
func (c *channels) room(r string) string { return c.broadcast + r + "#" }

// publishChannel applies Node's rule: a broadcast to exactly one room goes
// to that room's channel, every other one to the main channel.
func (c *channels) publishChannel(rooms []string) string {
	if len(rooms) == 1 {
		return c.room(rooms[0])
	}
	return c.broadcast
}

// responseTo returns where to answer a request from uid: its own channel
// when asked for and known, else the shared one.
func (c *channels) responseTo(uid string, specific bool) string {
	if specific && uid != "" {
		return c.response + uid + "#"
	}
	return c.response
}

// escapeGlob escapes the characters Redis patterns give a meaning to.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\^`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
