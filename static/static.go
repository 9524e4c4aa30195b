// Package static embeds the board's CSS, images and scripts and names them by content
// hash, so they can be cached for a year and still change on deploy.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

//go:embed *.css *.svg *.js
var Files embed.FS

// versions maps a file name to a short hash of its content, computed once.
var versions = func() map[string]string {
	v := map[string]string{}
	names, _ := fs.Glob(Files, "*")
	for _, name := range names {
		b, err := Files.ReadFile(name)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		v[name] = hex.EncodeToString(sum[:6])
	}
	return v
}()

// Path is the URL of an embedded file, cache-busted by its content hash.
func Path(name string) string {
	return "/static/" + name + "?v=" + versions[name]
}
