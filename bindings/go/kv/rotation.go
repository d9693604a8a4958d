package kv

/*
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"context"
	"time"
)

// KeyRotationPolicy is a key's rotation policy (a copy of kv_key_rotation_policy).
type KeyRotationPolicy struct {
	// ID is the policy id ("" for a policy built by the caller; ignored on update).
	ID string
	// ExpiryTime is the expiry of new key versions as an ISO-8601 duration, e.g. "P2Y"
	// ("" = not set).
	ExpiryTime string
	// Actions are the lifetime actions.
	Actions []KeyRotationLifetimeAction
	// Created and Updated are zero when unknown (ignored on update).
	Created, Updated time.Time
}

// KeyRotationLifetimeAction is one action of a rotation policy: Action triggered either
// TimeAfterCreate after creation or TimeBeforeExpiry before expiry (ISO-8601 durations such
// as "P90D"; exactly one of them set; Notify needs TimeBeforeExpiry).
type KeyRotationLifetimeAction struct {
	// Action is KeyRotationActionRotate or KeyRotationActionNotify (0 for an action type kv
	// does not know).
	Action           KeyRotationAction
	TimeAfterCreate  string
	TimeBeforeExpiry string
}

// takeRotationPolicy copies a kv_key_rotation_policy and frees it.
func takeRotationPolicy(p *C.kv_key_rotation_policy) KeyRotationPolicy {
	defer C.kv_key_rotation_policy_free(p)
	r := KeyRotationPolicy{
		ID:         goString(C.kv_key_rotation_policy_id(p)),
		ExpiryTime: goString(C.kv_key_rotation_policy_expiry_time(p)),
		Created:    unixTime(C.kv_key_rotation_policy_created(p)),
		Updated:    unixTime(C.kv_key_rotation_policy_updated(p)),
	}
	n := int(C.kv_key_rotation_policy_action_count(p))
	for i := 0; i < n; i++ {
		r.Actions = append(r.Actions, KeyRotationLifetimeAction{
			Action:           KeyRotationAction(C.kv_key_rotation_policy_action_type(p, C.size_t(i))),
			TimeAfterCreate:  goString(C.kv_key_rotation_policy_action_time_after_create(p, C.size_t(i))),
			TimeBeforeExpiry: goString(C.kv_key_rotation_policy_action_time_before_expiry(p, C.size_t(i))),
		})
	}
	return r
}

// native builds a kv_key_rotation_policy; the caller frees it with kv_key_rotation_policy_free.
func (r *KeyRotationPolicy) native() (*C.kv_key_rotation_policy, error) {
	p := C.kv_key_rotation_policy_new()
	if p == nil {
		panic("kv: out of memory")
	}
	ok := false
	defer func() {
		if !ok {
			C.kv_key_rotation_policy_free(p)
		}
	}()
	var a cArgs
	defer a.free()
	var e *C.kv_error
	if r.ExpiryTime != "" {
		d := a.str("ExpiryTime", r.ExpiryTime)
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_key_rotation_policy_set_expiry_time(p, d, &e), e); err != nil {
			return nil, err
		}
	}
	for _, act := range r.Actions {
		after, before := a.optStr("TimeAfterCreate", act.TimeAfterCreate), a.optStr("TimeBeforeExpiry", act.TimeBeforeExpiry)
		if a.err != nil {
			return nil, a.err
		}
		st := C.kv_key_rotation_policy_add_action(p, C.kv_key_rotation_action(act.Action), after, before, &e)
		if err := takeError(st, e); err != nil {
			return nil, err
		}
	}
	ok = true
	return p, nil
}

// GetKeyRotationPolicy gets a key's rotation policy (kv_client_get_key_rotation_policy).
func (c *Client) GetKeyRotationPolicy(ctx context.Context, name string) (KeyRotationPolicy, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return KeyRotationPolicy{}, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return KeyRotationPolicy{}, err
	}
	var out *C.kv_key_rotation_policy
	var e *C.kv_error
	st := C.kv_client_get_key_rotation_policy(p, cname, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return KeyRotationPolicy{}, err
	}
	return takeRotationPolicy(out), nil
}

// UpdateKeyRotationPolicy replaces a key's rotation policy (its ID and times are ignored) and
// returns the policy as stored (kv_client_update_key_rotation_policy).
func (c *Client) UpdateKeyRotationPolicy(ctx context.Context, name string, policy KeyRotationPolicy) (KeyRotationPolicy, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return KeyRotationPolicy{}, a.err
	}
	cpol, err := policy.native()
	if err != nil {
		return KeyRotationPolicy{}, err
	}
	defer C.kv_key_rotation_policy_free(cpol)
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return KeyRotationPolicy{}, err
	}
	var out *C.kv_key_rotation_policy
	var e *C.kv_error
	st := C.kv_client_update_key_rotation_policy(p, cname, cpol, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return KeyRotationPolicy{}, err
	}
	return takeRotationPolicy(out), nil
}
