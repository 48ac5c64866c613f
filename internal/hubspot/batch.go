package hubspot

import (
	"context"
	"net/http"
	"slices"
	"time"
)

// Batch statuses.
const (
	StatusComplete   = "COMPLETE"
	StatusPending    = "PENDING"
	StatusProcessing = "PROCESSING"
	StatusCanceled   = "CANCELED"
)

// BatchResult is a batch response; for a batch split into several requests, the
// merged responses. A 207 answer is not an error: the records that worked are in
// Results and the inputs that failed in Errors.
type BatchResult[T any] struct {
	Status      string            `json:"status"`
	Results     []T               `json:"results"`
	NumErrors   int               `json:"numErrors,omitempty"`
	Errors      []BatchError      `json:"errors,omitempty"`
	RequestedAt *time.Time        `json:"requestedAt,omitempty"`
	StartedAt   time.Time         `json:"startedAt"`
	CompletedAt time.Time         `json:"completedAt"`
	Links       map[string]string `json:"links,omitempty"`

	// Partial is true when a request answered 207 (some inputs failed).
	Partial bool `json:"-"`
	// Requests is the number of HTTP requests the batch took.
	Requests int `json:"-"`
}

func (r *BatchResult[T]) merge(o *BatchResult[T]) {
	r.Results = append(r.Results, o.Results...)
	r.Errors = append(r.Errors, o.Errors...)
	r.NumErrors += o.NumErrors
	if o.StartedAt.Before(r.StartedAt) {
		r.StartedAt = o.StartedAt
	}
	if o.CompletedAt.After(r.CompletedAt) {
		r.CompletedAt = o.CompletedAt
	}
	if o.Status != StatusComplete {
		r.Status = o.Status
	}
	r.Partial = r.Partial || o.Partial
	r.Requests += o.Requests
}

// maxHistoryBatchSize is the most records a batch read with property history takes.
const maxHistoryBatchSize = 50

// splitBatch sends inputs [0, n) in requests of at most c.batchSize, in order, and
// merges the answers. It stops at the first request that fails as a whole.
func splitBatch[T any](c *Client, n int, send func(lo, hi int) (*BatchResult[T], error)) (*BatchResult[T], error) {
	return splitBatchBy(c.batchSize, n, send)
}

func splitBatchBy[T any](size, n int, send func(lo, hi int) (*BatchResult[T], error)) (*BatchResult[T], error) {
	if n == 0 {
		return &BatchResult[T]{Status: StatusComplete}, nil
	}
	var total *BatchResult[T]
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		r, err := send(lo, hi)
		if err != nil {
			if total == nil {
				return nil, err
			}
			return total, &PartialBatchError{Done: lo, Total: n, Err: err}
		}
		if total == nil {
			total = r
			if hi < n {
				total.Results = slices.Grow(total.Results, n-hi)
			}
			continue
		}
		total.merge(r)
	}
	return total, nil
}

func postBatch[T any](ctx context.Context, c *Client, path, query string, p *payload) (*BatchResult[T], error) {
	r := new(BatchResult[T])
	status, err := c.do(ctx, http.MethodPost, path, query, p, r)
	if err != nil {
		return nil, err
	}
	r.Partial = status == http.StatusMultiStatus
	r.Requests = 1
	return r, nil
}

// BatchCreate creates records (POST /crm/v3/objects/{type}/batch/create, 201 or
// 207), 100 per request. Results come in no guaranteed order: match them to
// inputs by a property such as email, or by ObjectWriteTraceID.
//
// HubSpot fails a whole request with 409 when one contact's email exists. On an
// error after the first request, the result holds what was created and the error
// is a *PartialBatchError.
func (c *Client) BatchCreate(ctx context.Context, t ObjectType, inputs []ObjectInput) (*BatchResult[Object], error) {
	path := objectsPath(t) + "/batch/create"
	return splitBatch(c, len(inputs), func(lo, hi int) (*BatchResult[Object], error) {
		p := newPayload()
		p.buf.Write(appendInputs(p.buf.AvailableBuffer(), inputs[lo:hi]))
		return postBatch[Object](ctx, c, path, "", p)
	})
}

// BatchUpsert creates or updates records by a unique property (POST
// /crm/v3/objects/{type}/batch/upsert, 200 or 207): each input needs ID (the
// unique value) and IDProperty ("email" for contacts).
func (c *Client) BatchUpsert(ctx context.Context, t ObjectType, inputs []UpdateInput) (*BatchResult[UpsertedObject], error) {
	path := objectsPath(t) + "/batch/upsert"
	return splitBatch(c, len(inputs), func(lo, hi int) (*BatchResult[UpsertedObject], error) {
		p := newPayload()
		p.buf.Write(appendInputs(p.buf.AvailableBuffer(), inputs[lo:hi]))
		return postBatch[UpsertedObject](ctx, c, path, "", p)
	})
}

// BatchUpdate changes records (POST /crm/v3/objects/{type}/batch/update, 200 or 207).
func (c *Client) BatchUpdate(ctx context.Context, t ObjectType, inputs []UpdateInput) (*BatchResult[Object], error) {
	path := objectsPath(t) + "/batch/update"
	return splitBatch(c, len(inputs), func(lo, hi int) (*BatchResult[Object], error) {
		p := newPayload()
		p.buf.Write(appendInputs(p.buf.AvailableBuffer(), inputs[lo:hi]))
		return postBatch[Object](ctx, c, path, "", p)
	})
}

// BatchReadRequest selects records to read in a batch.
type BatchReadRequest struct {
	IDs                   []string // record ids, or unique values of IDProperty
	IDProperty            string
	Properties            []string
	PropertiesWithHistory []string
	Archived              bool
}

// BatchRead reads records (POST /crm/v3/objects/{type}/batch/read, 200 or 207;
// ids that do not exist come back in Errors), 100 per request, 50 when
// PropertiesWithHistory is set.
func (c *Client) BatchRead(ctx context.Context, t ObjectType, req BatchReadRequest) (*BatchResult[Object], error) {
	path := objectsPath(t) + "/batch/read"
	query := ""
	if req.Archived {
		query = "archived=true"
	}
	size := c.batchSize
	if len(req.PropertiesWithHistory) > 0 {
		size = min(size, maxHistoryBatchSize)
	}
	return splitBatchBy(size, len(req.IDs), func(lo, hi int) (*BatchResult[Object], error) {
		p := newPayload()
		b := appendIDInputs(p.buf.AvailableBuffer(), req.IDs[lo:hi])
		b = b[:len(b)-1] // reopen the object after "inputs"
		b = append(b, `,"properties":`...)
		b = appendStrings(b, req.Properties)
		b = append(b, `,"propertiesWithHistory":`...)
		b = appendStrings(b, req.PropertiesWithHistory)
		if req.IDProperty != "" {
			b = append(b, `,"idProperty":`...)
			b = appendString(b, req.IDProperty)
		}
		p.buf.Write(append(b, '}'))
		return postBatch[Object](ctx, c, path, query, p)
	})
}

// BatchArchive archives records by id (POST /crm/v3/objects/{type}/batch/archive,
// 204). On an error after the first request the error is a *PartialBatchError.
func (c *Client) BatchArchive(ctx context.Context, t ObjectType, ids []string) error {
	path := objectsPath(t) + "/batch/archive"
	_, err := splitBatch(c, len(ids), func(lo, hi int) (*BatchResult[struct{}], error) {
		p := newPayload()
		p.buf.Write(appendIDInputs(p.buf.AvailableBuffer(), ids[lo:hi]))
		if _, err := c.do(ctx, http.MethodPost, path, "", p, nil); err != nil {
			return nil, err
		}
		return &BatchResult[struct{}]{Status: StatusComplete, Requests: 1}, nil
	})
	return err
}
