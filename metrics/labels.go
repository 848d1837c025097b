package metrics

import "sync"

// maxLabelValues bounds the values of a label that the application or
// its clients choose (namespaces, codes...): later values share
// otherLabel, so a server with dynamic namespaces cannot grow without
// bound the series it exports.
const maxLabelValues = 100

// otherLabel stands for the values past maxLabelValues.
const otherLabel = "other"

// maxNamespaceNames bounds how many names the namespace cache remembers,
// those mapped to otherLabel included; names past it take the slow path.
const maxNamespaceNames = 10 * maxLabelValues

// labelSet keeps the first max values of a label and maps the rest to
// otherLabel.
type labelSet struct {
	max  int
	seen sync.Map // value -> struct{}: known values cost one load
	mu   sync.Mutex
	n    int // entries of seen, guarded by mu
}

func (l *labelSet) label(v string) string {
	if _, ok := l.seen.Load(v); ok {
		return v
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen.Load(v); ok {
		return v
	}
	if l.n >= l.max {
		return otherLabel
	}
	l.seen.Store(v, struct{}{})
	l.n++
	return v
}

// namespace returns the collectors of a namespace, made on first use; this
// is on the path of every event, so known names cost one sync.Map load.
func (m *Metrics) namespace(name string) *nsMetrics {
	if v, ok := m.nsps.Load(name); ok {
		return v.(*nsMetrics)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.nsps.Load(name); ok {
		return v.(*nsMetrics)
	}
	label := name
	if len(m.byLabel) >= maxLabelValues && m.byLabel[name] == nil {
		label = otherLabel
	}
	nm := m.byLabel[label]
	if nm == nil {
		nm = m.sockets.forNamespace(label)
		m.byLabel[label] = nm
	}
	if m.names < maxNamespaceNames {
		m.nsps.Store(name, nm)
		m.names++
	}
	return nm
}

// nsLabel returns the label of a namespace, "" staying "" (for what
// happens before any namespace, such as a refused handshake).
func (m *Metrics) nsLabel(name string) string {
	if name == "" {
		return ""
	}
	return m.namespace(name).label
}
