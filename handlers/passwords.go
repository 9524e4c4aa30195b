package handlers

import (
	"context"

	"board/models"
)

// withArgonSlot runs fn once one of the limited argon2id slots is free.
func (h *Handlers) withArgonSlot(ctx context.Context, fn func()) error {
	select {
	case h.argonSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.argonSlots }()
	fn()
	return nil
}

func (h *Handlers) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if slotErr := h.withArgonSlot(ctx, func() { hash, err = models.HashPassword(password) }); slotErr != nil {
		return "", slotErr
	}
	return hash, err
}

func (h *Handlers) checkPassword(ctx context.Context, password, hash string) (ok bool, err error) {
	if slotErr := h.withArgonSlot(ctx, func() { ok, err = models.CheckPassword(password, hash) }); slotErr != nil {
		return false, slotErr
	}
	return ok, err
}
