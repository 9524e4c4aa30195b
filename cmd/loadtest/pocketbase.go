package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"time"
)

// startPocketBase serves a members-only collection of 20 records from the
// PocketBase binary at path (list and view rules: signed-in users only),
// and returns the target that lists them as a signed-in user.
func startPocketBase(path, dir string) (target, func(), error) {
	data := filepath.Join(dir, "pb_data")
	const adminEmail, adminPassword = "admin@example.com", "admin-password-1"
	if out, err := exec.Command(path, "superuser", "upsert", adminEmail, adminPassword, "--dir", data).CombinedOutput(); err != nil {
		return target{}, nil, fmt.Errorf("superuser upsert: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return target{}, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(path, "serve", "--http", addr, "--dir", data)
	if err := cmd.Start(); err != nil {
		return target{}, nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	base := "http://" + addr
	fail := func(err error) (target, func(), error) { stop(); return target{}, nil, err }
	if err := waitHealthy(base + "/api/health"); err != nil {
		return fail(err)
	}
	var admin struct{ Token string }
	if err := pbCall(base, "", "/api/collections/_superusers/auth-with-password",
		map[string]any{"identity": adminEmail, "password": adminPassword}, &admin); err != nil {
		return fail(err)
	}
	members := "@request.auth.id != ''"
	if err := pbCall(base, admin.Token, "/api/collections", map[string]any{
		"name": "posts", "type": "base", "listRule": members, "viewRule": members,
		"fields": []map[string]any{{"name": "title", "type": "text"}, {"name": "body", "type": "text"},
			{"name": "created", "type": "autodate", "onCreate": true}},
		"indexes": []string{"CREATE INDEX idx_posts_created ON posts (created)"},
	}, nil); err != nil {
		return fail(err)
	}
	for i := range 20 {
		if err := pbCall(base, admin.Token, "/api/collections/posts/records",
			map[string]any{"title": fmt.Sprintf("Post number %d", i+1), "body": "Some text of a post."}, nil); err != nil {
			return fail(err)
		}
	}
	const email, password = "member@example.com", "member-password-1"
	if err := pbCall(base, admin.Token, "/api/collections/users/records",
		map[string]any{"email": email, "password": password, "passwordConfirm": password}, nil); err != nil {
		return fail(err)
	}
	var member struct{ Token string }
	if err := pbCall(base, "", "/api/collections/users/auth-with-password",
		map[string]any{"identity": email, "password": password}, &member); err != nil {
		return fail(err)
	}
	return target{name: "pocketbase", url: base + "/api/collections/posts/records?perPage=20&sort=-created",
		header: []string{"Authorization: " + member.Token}}, stop, nil
}

func waitHealthy(u string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(u); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer within 30s", u)
}

// pbCall POSTs body as JSON with an optional token and decodes the answer into out.
func pbCall(base, token, path string, body any, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var msg bytes.Buffer
		msg.ReadFrom(res.Body)
		return fmt.Errorf("POST %s: status %d: %s", path, res.StatusCode, msg.String())
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(res.Body).Decode(out)
}
