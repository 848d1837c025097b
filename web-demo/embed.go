// Package webdemo holds the web demo's static files, embedded for cmd/siogo.
package webdemo

import (
	"embed"
	"io/fs"
)

//go:embed index.html app.js style.css
var files embed.FS

// Files returns the demo's static files.
func Files() fs.FS { return files }
