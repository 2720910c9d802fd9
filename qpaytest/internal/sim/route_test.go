package sim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// TestMain fails the package's tests if a goroutine they started is left
// running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// toy is the smallest route a new provider could add: one endpoint that
// creates a payment, one that reads it, unsigned JSON webhooks. It lives
// in a test so that the core is shown to need nothing of Tap or Checkout:
// everything below is written against package sim's exported API alone.
type toy struct {
	c       *sim.Core
	hookURL string
}

type toyPayment struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Amount string `json:"amount"`
	Page   string `json:"page,omitempty"`
}

func (rt *toy) Name() string { return "toy" }

func (rt *toy) Mount(c *sim.Core) []sim.Endpoint {
	rt.c = c
	return []sim.Endpoint{
		{Pattern: "POST /toy/payments", Op: sim.OpCreatePayment, Handler: rt.create},
		{Pattern: "GET /toy/payments/{id}", Op: sim.OpGetPayment, Handler: rt.get},
	}
}

func (rt *toy) create(r *http.Request, body []byte) sim.Reply {
	var req struct{ Amount, Return string }
	if json.Unmarshal(body, &req) != nil {
		return sim.Reply{Status: http.StatusBadRequest}
	}
	amount, err := money.Parse(req.Amount, "QAR")
	if err != nil {
		return sim.Reply{Status: http.StatusBadRequest}
	}
	rt.c.Lock()
	defer rt.c.Unlock()
	now := rt.c.Now()
	p := &sim.Payment{Route: rt, ID: "toy_" + sim.RandomFrom(sim.Digits, 8), Created: now,
		Expires: now.Add(rt.c.Expiry()), Amount: amount, ReturnURL: req.Return, State: status.Pending}
	rt.c.Add(p)
	return sim.JSONReply(http.StatusCreated, rt.render(p))
}

func (rt *toy) get(r *http.Request, _ []byte) sim.Reply {
	return rt.c.WithPayment(func() *sim.Payment { return rt.c.Own(rt, r.PathValue("id")) }, sim.Reply{Status: http.StatusNotFound},
		func(p *sim.Payment) sim.Reply { return sim.JSONReply(http.StatusOK, rt.render(p)) })
}

func (rt *toy) render(p *sim.Payment) toyPayment {
	v := toyPayment{ID: p.ID, Status: p.View().String(), Amount: p.Amount.String()}
	if p.State == status.Pending {
		v.Page = rt.c.PageURL(p)
	}
	return v
}

func (rt *toy) Authenticate(r *http.Request) (sim.Reply, bool) {
	if r.Header.Get("Authorization") != "toy-key" {
		return sim.Reply{Status: http.StatusUnauthorized}, false
	}
	return sim.Reply{}, true
}

func (rt *toy) IdempotencyKey(_ string, r *http.Request, _ []byte) (string, bool) {
	if k := r.Header.Get("Toy-Key"); k != "" && r.Method == http.MethodPost {
		return r.URL.Path + "\x00" + k, true
	}
	return "", false
}

func (rt *toy) BadBody(string) sim.Reply                { return sim.Reply{Status: http.StatusBadRequest} }
func (rt *toy) ErrorReply(_ string, code int) sim.Reply { return sim.Reply{Status: code} }
func (rt *toy) Misreport(_ string, body []byte) []byte {
	return sim.Rewrite(body, func(m map[string]json.RawMessage) bool {
		m["amount"] = json.RawMessage(`"0.01"`)
		return true
	})
}
func (rt *toy) Decorate(h http.Header)               { h.Set("Toy-Route", "1") }
func (rt *toy) Finished(p *sim.Payment)              {}
func (rt *toy) Describe(p *sim.Payment, v *sim.View) { v.RawStatus = p.View().String() }

func (rt *toy) PaymentNotice(p *sim.Payment) (sim.Notice, error) {
	body, err := json.Marshal(rt.render(p))
	if err != nil {
		return sim.Notice{}, err
	}
	n := sim.Notice{Event: "toy " + p.View().String(), URL: rt.hookURL, Deliver: rt.hookURL != "" && p.State != status.Pending}
	for i := range n.Attempts {
		n.Attempts[i] = sim.Signed{Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	}
	return n, nil
}

func (rt *toy) RefundNotice(r *sim.Refund) (sim.Notice, error) { return sim.Notice{}, nil }

func (rt *toy) Page(p *sim.Payment) sim.Page {
	return sim.Page{Merchant: "the toy shop", Reference: p.ID, Return: sim.WithQuery(p.ReturnURL, "toy_id", p.ID)}
}

var _ sim.Route = (*toy)(nil)

// TestARouteNeedsOnlyTheCore runs a whole payment through a route written
// in this test: the core's page, shopper, controls, faults, idempotent
// replays and webhook delivery all work for it unchanged.
func TestARouteNeedsOnlyTheCore(t *testing.T) {
	var mu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks = append(hooks, string(b))
		mu.Unlock()
	}))
	defer hook.Close()

	rt := &toy{hookURL: hook.URL}
	c, err := sim.New(sim.Options{}, rt)
	require.NoError(t, err)
	defer c.Close()
	client := &http.Client{}
	defer client.CloseIdleConnections()
	call := func(method, path, body string, h http.Header) (int, http.Header, toyPayment) {
		t.Helper()
		req, err := http.NewRequest(method, c.URL()+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header = h
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var p toyPayment
		_ = json.NewDecoder(resp.Body).Decode(&p)
		return resp.StatusCode, resp.Header, p
	}
	auth := http.Header{"Authorization": {"toy-key"}}

	code, _, _ := call(http.MethodPost, "/toy/payments", `{"Amount":"10.00"}`, nil)
	assert.Equal(t, http.StatusUnauthorized, code, "the route authenticates")

	keyed := http.Header{"Authorization": {"toy-key"}, "Toy-Key": {"k1"}}
	code, h, p := call(http.MethodPost, "/toy/payments", `{"Amount":"10.00","Return":"https://shop.example/back"}`, keyed)
	require.Equal(t, http.StatusCreated, code)
	assert.Equal(t, "1", h.Get("Toy-Route"), "the route decorates its answers")
	assert.Equal(t, "pending", p.Status)
	_, _, again := call(http.MethodPost, "/toy/payments", `{"Amount":"10.00"}`, keyed)
	assert.Equal(t, p.ID, again.ID, "a header key replays the first answer")
	assert.Len(t, c.Payments(), 1)

	back, err := c.Pay(context.Background(), p.Page, sim.TestCard)
	require.NoError(t, err)
	assert.Equal(t, p.ID, back.Query().Get("toy_id"), "the page sends the shopper where the route says")
	_, _, got := call(http.MethodGet, "/toy/payments/"+p.ID, "", auth)
	assert.Equal(t, "captured", got.Status)
	v, err := c.Lookup(p.ID)
	require.NoError(t, err)
	assert.Equal(t, "toy", v.Provider)
	assert.Equal(t, status.Captured, v.Status)
	mu.Lock()
	assert.Len(t, hooks, 1, "the core delivered the route's notice")
	mu.Unlock()
	require.Len(t, c.Deliveries(), 1)
	assert.Equal(t, "toy captured", c.Deliveries()[0].Event)
	_, body, err := c.Webhook(p.ID)
	require.NoError(t, err)
	assert.Contains(t, string(body), p.ID)

	require.NoError(t, c.Inject(sim.Fault{Provider: "toy", Op: sim.OpGetPayment, Status: http.StatusServiceUnavailable}))
	code, _, _ = call(http.MethodGet, "/toy/payments/"+p.ID, "", auth)
	assert.Equal(t, http.StatusServiceUnavailable, code, "faults hit the route's operations")
	assert.Error(t, c.Inject(sim.Fault{Provider: "toy", Op: sim.OpRefund, Status: 500}), "the route mounted no refund endpoint")
	assert.Error(t, c.Inject(sim.Fault{Provider: "tap", Op: sim.OpGetPayment, Status: 500}), "no other route is registered")
	assert.Equal(t, 3, c.Requests("toy", sim.OpCreatePayment), "refused, created, replayed")
	assert.Equal(t, 2, c.Requests("toy", sim.OpGetPayment), "read, faulted")
}
