package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/simcrm/simcrm/storage"
)

// Mailer sends notification e-mails through an SMTP server (SMTP_URL:
// smtp://user:password@host:port?from=simcrm@example.com).
type Mailer struct {
	addr, from string
	auth       smtp.Auth
}

// NewMailer reads an SMTP URL; "" gives none.
func NewMailer(raw string) (*Mailer, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("want smtp://user:password@host:port?from=address, got %q", raw)
	}
	m := &Mailer{addr: u.Host, from: u.Query().Get("from")}
	if u.Port() == "" {
		m.addr = net.JoinHostPort(u.Hostname(), "25")
	}
	if m.from == "" {
		return nil, fmt.Errorf("name the sender with ?from=address in %q", u.Redacted())
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return m, nil
}

// Send mails one delivery to an address.
func (m *Mailer) Send(ctx context.Context, to string, d storage.Delivery) error {
	var p Payload
	_ = json.Unmarshal([]byte(d.Payload), &p) // written by Notifier.add
	subject := "SimCRM: " + strings.ReplaceAll(d.Event, "_", " ")
	var body strings.Builder
	fmt.Fprintf(&body, "Event: %s\r\nAt: %s\r\n", d.Event, p.At.Format(time.RFC1123))
	if s := p.Simulation; s != nil {
		subject += " — " + s.Name
		fmt.Fprintf(&body, "Simulation: #%d %s (%s)\r\n", s.ID, s.Name, s.Status)
		if s.Reason != "" {
			fmt.Fprintf(&body, "Reason: %s\r\n", s.Reason)
		}
		fmt.Fprintf(&body, "Report: %s\r\n", s.Report)
	}
	for k, v := range p.DLQ {
		fmt.Fprintf(&body, "DLQ %s: %d\r\n", k, v)
	}
	msg := "From: " + m.from + "\r\nTo: " + to + "\r\nSubject: " + mime.QEncoding.Encode("utf-8", strings.NewReplacer("\r", "", "\n", "").Replace(subject)) +
		"\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body.String()
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(m.addr, m.auth, m.from, []string{to}, []byte(msg)) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
