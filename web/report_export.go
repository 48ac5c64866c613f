package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

// exportTimeout bounds one download; a million rows stream in well under it.
const exportTimeout = 30 * time.Minute

// exportReport downloads every object a simulation created, one row each, as CSV
// or JSON. Rows stream from the database to the client as they are read, so a
// simulation of any size exports in constant memory.
func (h *handler) exportReport(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	var write func(context.Context, *storage.Store, int64, io.Writer) error
	switch c.Params("format") {
	case "csv":
		write = writeLedgerCSV
		c.Type("csv", "utf-8")
	case "json":
		write = writeLedgerJSON
		c.Type("json", "utf-8")
	default:
		return fiber.ErrNotFound
	}
	name := "simulation-" + strconv.FormatInt(s.ID, 10) + "-objects." + c.Params("format")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	store, simID, log := h.store, s.ID, h.log
	// The writer runs after the handler returns, so it gets its own context.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		if err := write(ctx, store, simID, w); err != nil {
			log.Warn("export stopped", "simulation", simID, "err", err)
		}
	})
	return nil
}

// exportTime writes a time for the export: RFC 3339 in UTC with milliseconds, or
// nothing when unknown.
func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// writeLedgerCSV writes the header and one line per created object.
func writeLedgerCSV(ctx context.Context, store *storage.Store, simID int64, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"type", "record_key", "external_id", "planned_at", "created_at"}); err != nil {
		return err
	}
	row := make([]string, 5)
	err := store.EachLedgerEntry(ctx, simID, func(e storage.LedgerEntry) error {
		row[0], row[1], row[2], row[3], row[4] = e.ObjectType, e.RecordKey, e.ExternalID, exportTime(e.PlannedAt), exportTime(e.CreatedAt)
		return cw.Write(row)
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// exportObject is one created object in the JSON export.
type exportObject struct {
	Type       string `json:"type"`
	RecordKey  string `json:"recordKey"`
	ExternalID string `json:"externalId"`
	PlannedAt  string `json:"plannedAt,omitempty"`
	CreatedAt  string `json:"createdAt"`
}

// writeLedgerJSON writes a JSON array with one object per created object.
func writeLedgerJSON(ctx context.Context, store *storage.Store, simID int64, w io.Writer) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	first := true
	err := store.EachLedgerEntry(ctx, simID, func(e storage.LedgerEntry) error {
		if !first {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		first = false
		return enc.Encode(exportObject{Type: e.ObjectType, RecordKey: e.RecordKey, ExternalID: e.ExternalID,
			PlannedAt: exportTime(e.PlannedAt), CreatedAt: exportTime(e.CreatedAt)})
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "]\n")
	return err
}
