package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nextauth-go/nextauth"
)

// Dispatcher defaults.
const (
	DefaultMinBackoff   = 5 * time.Second
	DefaultMaxBackoff   = time.Hour
	DefaultLease        = 2 * time.Minute
	DefaultPollInterval = time.Second
	DefaultBatch        = 32
)

// Observer is told what a [Dispatcher] does, for metrics. Its methods
// must be safe for concurrent use and return quickly.
type Observer interface {
	// EventDelivered counts a message the receiver took (2xx).
	EventDelivered(eventType string)
	// EventFailed counts a failed attempt (it will be retried).
	EventFailed(eventType string)
	// EventsPending reports the messages not yet delivered, after each
	// pass of the worker.
	EventsPending(n int64)
}

// Options configure a [Dispatcher].
type Options struct {
	// Sender posts the messages. Required.
	Sender *Sender
	// Queue keeps them until delivered; nil means a [MemoryQueue] (lost
	// when the process ends).
	Queue Queue
	// Types are the event types sent; nil or empty means all of [Types].
	Types []string
	// Now is the clock of payload timestamps, leases and retries; nil
	// means time.Now. Sender.Now is set to it when nil.
	Now func() time.Time
	// MinBackoff is the wait after the first failed attempt, doubled after
	// each further one up to MaxBackoff. Defaults 5 s and 1 h.
	MinBackoff, MaxBackoff time.Duration
	// Lease is how long a claimed message is held before another worker
	// may take it; it must exceed the sender's timeout. Default 2 minutes.
	Lease time.Duration
	// PollInterval is how often [Dispatcher.Run] looks for due messages
	// (retries, or messages other servers enqueued); its own new messages
	// wake it at once. Default 1 s.
	PollInterval time.Duration
	// Batch is how many messages one pass claims at most; default 32.
	Batch int
	// Logger logs failures; nil means slog.Default().
	Logger *slog.Logger
	// Observer, if not nil, is told of deliveries, failures and the
	// number pending.
	Observer Observer
}

// Dispatcher turns events into webhook messages and delivers them. Make
// one with [NewDispatcher], give [Dispatcher.Events] to
// nextauth.Config.Events, and run [Dispatcher.Run] (or call
// [Dispatcher.Deliver]) to send.
type Dispatcher struct {
	o     Options
	types map[string]bool
	wake  chan struct{}
}

// NewDispatcher checks o and returns a dispatcher.
func NewDispatcher(o Options) (*Dispatcher, error) {
	if o.Sender == nil || o.Sender.URL == "" || len(o.Sender.Key) == 0 {
		return nil, errors.New("webhook: a Sender with a URL and a Key is required")
	}
	for _, t := range o.Types {
		if !KnownType(t) {
			return nil, fmt.Errorf("webhook: unknown event type %q (known: %v)", t, Types())
		}
	}
	if len(o.Types) == 0 {
		o.Types = Types()
	}
	if o.Queue == nil {
		o.Queue = NewMemoryQueue()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sender.Now == nil {
		s := *o.Sender
		s.Now = o.Now
		o.Sender = &s
	}
	o.MinBackoff = cmpOr(o.MinBackoff, DefaultMinBackoff)
	o.MaxBackoff = max(cmpOr(o.MaxBackoff, DefaultMaxBackoff), o.MinBackoff)
	o.Lease = cmpOr(o.Lease, DefaultLease)
	o.PollInterval = cmpOr(o.PollInterval, DefaultPollInterval)
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	d := &Dispatcher{o: o, types: map[string]bool{}, wake: make(chan struct{}, 1)}
	for _, t := range o.Types {
		d.types[t] = true
	}
	return d, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Queue is the dispatcher's queue.
func (d *Dispatcher) Queue() Queue { return d.o.Queue }

// Emit queues an event of type typ with data (marshalled to JSON as the
// payload's "data"), unless typ is not one of the dispatcher's types. It
// returns once the message is stored in the queue.
func (d *Dispatcher) Emit(ctx context.Context, typ string, data any) error {
	if !d.types[typ] {
		return nil
	}
	m, err := newMessage(typ, data, d.o.Now())
	if err != nil {
		return err
	}
	// The request may be cancelled once answered; the message must be
	// stored all the same.
	if err := d.o.Queue.Enqueue(context.WithoutCancel(ctx), m); err != nil {
		return err
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

// Events returns the [nextauth.Events] that queue each event of the
// dispatcher's types, in the request, before it answers. A message that
// cannot be stored is logged as EVENTS_QUEUE_ERROR (events never fail a
// request, as in NextAuth). To also run events of your own, call them
// from functions that call these.
func (d *Dispatcher) Events() nextauth.Events {
	emit := func(ctx context.Context, typ string, data any) {
		if err := d.Emit(ctx, typ, data); err != nil {
			d.o.Logger.ErrorContext(ctx, "EVENTS_QUEUE_ERROR", "type", typ, "error", err)
		}
	}
	var ev nextauth.Events
	if d.types[TypeSignIn] {
		ev.SignIn = func(ctx context.Context, e nextauth.SignInEvent) {
			emit(ctx, TypeSignIn, SignInData{User: e.User, Account: accountOf(e.Account), Profile: e.Profile, IsNewUser: e.IsNewUser})
		}
	}
	if d.types[TypeSignOut] {
		ev.SignOut = func(ctx context.Context, e nextauth.SignOutEvent) { emit(ctx, TypeSignOut, signOutData(e)) }
	}
	if d.types[TypeCreateUser] {
		ev.CreateUser = func(ctx context.Context, u nextauth.User) { emit(ctx, TypeCreateUser, UserData{User: u}) }
	}
	if d.types[TypeUpdateUser] {
		ev.UpdateUser = func(ctx context.Context, u nextauth.User) { emit(ctx, TypeUpdateUser, UserData{User: u}) }
	}
	if d.types[TypeLinkAccount] {
		ev.LinkAccount = func(ctx context.Context, e nextauth.LinkAccountEvent) {
			emit(ctx, TypeLinkAccount, LinkAccountData{User: e.User, Account: *accountOf(&e.Account), Profile: e.Profile})
		}
	}
	return ev
}

// Backoff is the wait after the attempts-th failed attempt (1 for the
// first): MinBackoff doubled attempts-1 times, at most MaxBackoff.
func (d *Dispatcher) Backoff(attempts int) time.Duration {
	b := d.o.MinBackoff
	for i := 1; i < attempts && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.o.MaxBackoff)
}

// Deliver makes one pass: it claims the due messages (up to Batch), sends
// them one by one, deletes those the receiver took and reschedules the
// others. It returns how many were delivered and how many failed; err is
// a queue error (a failed send is not an error here, it is retried).
func (d *Dispatcher) Deliver(ctx context.Context) (delivered, failed int, err error) {
	claims, err := d.o.Queue.Claim(ctx, d.o.Now(), d.o.Lease, d.o.Batch)
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for _, c := range claims {
		_, _, sendErr := d.o.Sender.Send(ctx, c.ID, c.Body)
		if sendErr == nil {
			delivered++
			if d.o.Observer != nil {
				d.o.Observer.EventDelivered(c.Type)
			}
			errs = append(errs, d.o.Queue.Done(ctx, c))
			continue
		}
		if ctx.Err() != nil {
			// Stopping: leave the lease to run out; the message is
			// claimed again then.
			return delivered, failed, errors.Join(append(errs, ctx.Err())...)
		}
		failed++
		if d.o.Observer != nil {
			d.o.Observer.EventFailed(c.Type)
		}
		wait := d.Backoff(c.Attempts + 1)
		d.o.Logger.WarnContext(ctx, "EVENTS_DELIVERY_FAILED", "id", c.ID, "type", c.Type, "attempt", c.Attempts+1, "retry_in", wait.String(), "error", sendErr)
		errs = append(errs, d.o.Queue.Retry(ctx, c, d.o.Now().Add(wait)))
	}
	if d.o.Observer != nil {
		if n, err := d.o.Queue.Pending(ctx); err == nil {
			d.o.Observer.EventsPending(n)
		}
	}
	return delivered, failed, errors.Join(errs...)
}

// Run delivers until ctx ends: a pass when a message is emitted in this
// process and every PollInterval, and passes back to back while a pass
// claims a full batch. It returns ctx's error. Stopping does not wait for
// anything but the send under way; messages it holds are claimed again
// when their lease ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.o.PollInterval)
	defer t.Stop()
	for {
		n, f, err := d.Deliver(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			d.o.Logger.ErrorContext(ctx, "EVENTS_QUEUE_ERROR", "error", err)
		}
		if err == nil && n+f >= d.o.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.wake:
		case <-t.C:
		}
	}
}
