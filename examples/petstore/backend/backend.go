// Package backend is the PetStore example's HTTP backend, the service
// that API Gateway's http_proxy integrations forward to.
package backend

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Pet is one pet.
type Pet struct {
	ID    int     `json:"id"`
	Type  string  `json:"type"`
	Price float64 `json:"price"`
}

// Handler returns the backend: GET/POST /pets, GET /pets/{id}, GET
// /status, and GET /echo/... which answers with what it received.
func Handler() http.Handler {
	var mu sync.Mutex
	pets := []Pet{{1, "dog", 249.99}, {2, "cat", 124.99}, {3, "fish", 0.99}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pets", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		out := []Pet{}
		for _, p := range pets {
			if t := r.URL.Query().Get("type"); t == "" || t == p.Type {
				out = append(out, p)
			}
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /pets", func(w http.ResponseWriter, r *http.Request) {
		var p Pet
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil || p.Type == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be a pet like {\"type\":\"dog\",\"price\":10}"})
			return
		}
		mu.Lock()
		p.ID = len(pets) + 1
		pets = append(pets, p)
		mu.Unlock()
		writeJSON(w, http.StatusCreated, p)
	})
	mux.HandleFunc("GET /pets/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		mu.Lock()
		defer mu.Unlock()
		for _, p := range pets {
			if p.ID == id {
				writeJSON(w, http.StatusOK, p)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no pet " + r.PathValue("id")})
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(pets)
		mu.Unlock()
		w.Header().Set("X-Pet-Count", strconv.Itoa(n))
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		writeJSON(w, http.StatusOK, map[string]any{
			"method": r.Method, "path": r.URL.EscapedPath(), "query": r.URL.RawQuery,
			"headers": r.Header, "body": string(body), "host": r.Host,
		})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
