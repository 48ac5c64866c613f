package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/simcrm/simcrm/storage"
)

// mailbox is an SMTP server that takes PLAIN logins for one user and keeps
// every message it accepts.
type mailbox struct {
	user, password string
	mu             sync.Mutex
	got            []received
}

type received struct {
	from, to string
	data     []byte
}

func (b *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: b}, nil }

func (b *mailbox) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.got...)
}

type mailSession struct {
	box      *mailbox
	authed   bool
	from, to string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != s.box.user || password != s.box.password {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	s.box.got = append(s.box.got, received{from: s.from, to: s.to, data: data})
	s.box.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

// startMailbox serves a mailbox on a free local port.
func startMailbox(t *testing.T, box *mailbox) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(box)
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = true // net/smtp sends PLAIN in the clear only to localhost
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// A notification e-mail goes through a real SMTP exchange (PLAIN login, one
// recipient) as a readable message: the event and simulation in an encoded
// subject, the reason and the report link in the body. Wrong credentials are an
// error the delivery log keeps.
func TestNotificationEmailThroughSMTP(t *testing.T) {
	box := &mailbox{user: "simcrm", password: "mail secret"}
	addr := startMailbox(t, box)
	m, err := NewMailer(fmt.Sprintf("smtp://simcrm:mail%%20secret@%s?from=simcrm@example.com", addr))
	if err != nil {
		t.Fatal(err)
	}
	n := NewNotifier(NotifierOptions{Mail: m})
	payload, _ := json.Marshal(Payload{Event: EventCompletedWithFailures, At: time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC),
		Simulation: &PayloadSim{ID: 7, Name: "Q4 backfill — Zürich", Status: storage.StatusCompletedWithFailures,
			Reason: "980 objects created, 20 failed into the DLQ (server 20)", Report: "http://simcrm.test/simulations/7/report"},
		DLQ: map[string]int64{"server": 20}})
	d := storage.Delivery{ID: 1, Event: EventCompletedWithFailures, Payload: string(payload)}
	ch := storage.NotificationChannel{Kind: storage.ChannelEmail, Target: "owner@example.com"}
	if _, answer, err := n.send(context.Background(), ch, d); err != nil || answer != "sent" {
		t.Fatalf("send: want sent, got %q, %v", answer, err)
	}
	got := box.messages()
	if len(got) != 1 || got[0].from != "simcrm@example.com" || got[0].to != "owner@example.com" {
		t.Fatalf("want one message from simcrm@example.com to owner@example.com, got %+v", got)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got[0].data)))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, got[0].data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "SimCRM: completed with failures — Q4 backfill — Zürich" {
		t.Errorf("subject: got %q (%v), raw %q", subject, err, msg.Header.Get("Subject"))
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date header: %v", err)
	}
	body, _ := io.ReadAll(msg.Body)
	for _, want := range []string{"Simulation: #7 Q4 backfill — Zürich", "Reason: 980 objects created, 20 failed into the DLQ",
		"Report: http://simcrm.test/simulations/7/report", "DLQ server: 20"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body: want %q in\n%s", want, body)
		}
	}

	wrong, _ := NewMailer(fmt.Sprintf("smtp://simcrm:guess@%s?from=simcrm@example.com", addr))
	n = NewNotifier(NotifierOptions{Mail: wrong})
	if _, _, err := n.send(context.Background(), ch, d); err == nil {
		t.Errorf("wrong SMTP password: want an error")
	}
	if len(box.messages()) != 1 {
		t.Errorf("a refused login delivered mail")
	}
}
