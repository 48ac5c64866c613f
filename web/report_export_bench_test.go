package web

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// BenchmarkExportCSV streams the CSV of a 20,000- and a 100,000-object simulation.
// B/op is everything allocated along the way; peak-heap-B is the most the heap held
// above its size before the export (sampled every millisecond, garbage included),
// which stays flat however many rows there are; csv-B is the size of the file.
func BenchmarkExportCSV(b *testing.B) {
	for _, objects := range []int{20_000, 100_000} {
		b.Run(fmt.Sprintf("objects=%d", objects), func(b *testing.B) { benchmarkExportCSV(b, objects) })
	}
}

func benchmarkExportCSV(b *testing.B, objects int) {
	ctx := context.Background()
	store, s := benchLedger(b, objects)
	var size countingWriter
	if err := writeLedgerCSV(ctx, store, s.ID, &size); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		var top atomic.Uint64
		done := make(chan struct{})
		go func() {
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > base && m.HeapAlloc-base > top.Load() {
						top.Store(m.HeapAlloc - base)
					}
				}
			}
		}()
		err := writeLedgerCSV(ctx, store, s.ID, io.Discard)
		close(done)
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, top.Load())
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
	b.ReportMetric(float64(size.n), "csv-B")
	b.ReportMetric(float64(objects), "rows")
}

// benchLedger stores a finished accelerated simulation whose ledger holds n
// contacts, each planned a second after the one before (MySQL when MYSQL_DSN is
// set).
func benchLedger(b *testing.B, objects int) (*storage.Store, storage.Simulation) {
	ctx := context.Background()
	ds := testenv.Dialects(b)
	d := ds[len(ds)-1]
	store, err := storage.Open(ctx, d.Name, d.DSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	u, err := store.CreateUser(ctx, "bench@example.com", "x", storage.RolePlayer)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	s := storage.Simulation{UserID: u.ID, Name: "bench", Scenario: "b2b", Distribution: "linear", StartAt: start,
		EndAt: start.Add(24 * time.Hour), TimeZone: "UTC", TotalRecords: objects, EffectiveTotal: objects, PaceMode: "accelerated",
		PaceFactor: 1000, TargetKind: storage.TargetSandbox, Seed: 1}
	if err := store.CreateSimulation(ctx, &s); err != nil {
		b.Fatal(err)
	}
	batch := make([]storage.LedgerEntry, 0, 5000)
	for i := range objects {
		batch = append(batch, storage.LedgerEntry{SimulationID: s.ID, RecordIndex: i, ObjectType: "contact",
			RecordKey: fmt.Sprintf("%d-%d", s.ID, i), ExternalID: fmt.Sprint(1_000_000 + i), PlannedAt: start.Add(time.Duration(i) * time.Second)})
		if len(batch) == cap(batch) {
			if _, err := store.AddLedgerEntries(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := store.AddLedgerEntries(ctx, batch); err != nil {
		b.Fatal(err)
	}
	for _, to := range []string{storage.StatusRunning, storage.StatusCompleted} {
		if _, err := store.TransitionSimulation(ctx, s.ID, []string{s.Status}, to, "bench"); err != nil {
			b.Fatal(err)
		}
		s.Status = to
	}
	started := time.Now().Add(-time.Hour)
	s.StartedAt = &started
	return store, s
}

// BenchmarkReportLateness is the report's lateness of a finished 100,000-object
// simulation: walking the ledger (the first view, and the only way before the
// figures were kept) against reading the kept figures (every later view).
func BenchmarkReportLateness(b *testing.B) {
	const objects = 100_000
	store, s := benchLedger(b, objects)
	h := &handler{store: store}
	ctx := context.Background()
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			if l, err := h.lateness(ctx, s); err != nil || l.Samples != objects {
				b.Fatalf("%+v, %v", l, err)
			}
		}
	})
	b.Run("kept", func(b *testing.B) {
		if _, err := h.keptLateness(ctx, s, objects); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if l, err := h.keptLateness(ctx, s, objects); err != nil || l.Samples != objects {
				b.Fatalf("%+v, %v", l, err)
			}
		}
	})
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
