package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// grabFlags are serve's per-person booking rules and the ID key.
type grabFlags struct {
	NoShowLimit  int
	NoShowDays   int
	BanDays      int
	CancelCutoff time.Duration
	WeeklyCap    int
	OfferWindow  time.Duration
	// SecretKey (64 hex digits) encrypts and hashes resident ID numbers;
	// empty means the key kept in the database.
	SecretKey string
}

// grabFlagNames are bound to WENYUN_* like the other flags.
var grabFlagNames = []string{"noshow-limit", "noshow-days", "noshow-ban-days", "cancel-cutoff",
	"weekly-cap", "offer-window", "secret-key"}

// define defines the rule flags with the defaults of issue 3.
func (g *grabFlags) define(fs *flagSet) {
	d := culture.DefaultRules()
	fs.IntVar(&g.NoShowLimit, "noshow-limit", d.NoShowLimit, "suspend first-come booking after this many no-shows (late cancellations\n"+
		"count too) within --noshow-days")
	fs.IntVar(&g.NoShowDays, "noshow-days", int(d.NoShowWindow/(24*time.Hour)), "count no-shows of activities that started within this many days")
	fs.IntVar(&g.BanDays, "noshow-ban-days", int(d.BanFor/(24*time.Hour)), "suspend first-come booking for this many days after the last no-show")
	fs.DurationVar(&g.CancelCutoff, "cancel-cutoff", d.CancelCutoff, "cancelling later than this before the start counts as a no-show")
	fs.IntVar(&g.WeeklyCap, "weekly-cap", 0, "at most this many active bookings per resident per week (Monday to\n"+
		"Sunday, Asia/Shanghai); 0 means no cap")
	fs.DurationVar(&g.OfferWindow, "offer-window", d.OfferWindow, "a waiting-list offer stays open this long (less near the start)")
	fs.StringVar(&g.SecretKey, "secret-key", "", "`hex` key (64 hex digits) that encrypts resident ID numbers; without it\n"+
		"a key is generated once and kept in the database (set it in production)")
}

// validate reports every mistake in the rules, by the name the user typed.
func (g *grabFlags) validate(c *Config) error {
	return errors.Join(
		checkRange(c.name("noshow-limit"), g.NoShowLimit, 1, 100),
		checkRange(c.name("noshow-days"), g.NoShowDays, 1, 3650),
		checkRange(c.name("noshow-ban-days"), g.BanDays, 0, 3650),
		checkCutoff(c.name("cancel-cutoff"), g.CancelCutoff),
		checkRange(c.name("weekly-cap"), g.WeeklyCap, 0, 100),
		checkOfferWindow(c.name("offer-window"), g.OfferWindow),
		checkSecretKey(c.name("secret-key"), g.SecretKey),
	)
}

func checkRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s %d: want a whole number from %d to %d", name, v, lo, hi)
	}
	return nil
}

func checkCutoff(name string, d time.Duration) error {
	if d < 0 || d > 7*24*time.Hour {
		return fmt.Errorf("%s %v: want a duration from 0 to 168h, such as 2h", name, d)
	}
	return nil
}

func checkOfferWindow(name string, d time.Duration) error {
	if d < time.Minute || d > 24*time.Hour {
		return fmt.Errorf("%s %v: want a duration from 1m to 24h, such as 30m", name, d)
	}
	return nil
}

// checkSecretKey never echoes the key.
func checkSecretKey(name, key string) error {
	if b, err := hex.DecodeString(key); key != "" && (err != nil || len(b) != 32) {
		return fmt.Errorf("%s: want 64 hex digits (32 random bytes, e.g. openssl rand -hex 32)", name)
	}
	return nil
}

// rules returns the rules the flags describe.
func (g *grabFlags) rules() culture.Rules {
	return culture.Rules{
		NoShowLimit: g.NoShowLimit, NoShowWindow: time.Duration(g.NoShowDays) * 24 * time.Hour,
		BanFor: time.Duration(g.BanDays) * 24 * time.Hour, CancelCutoff: g.CancelCutoff,
		WeeklyCap: g.WeeklyCap, OfferWindow: g.OfferWindow,
	}
}

// applyGrabRules gives the store the rules and the ID key. Without a
// configured key it keeps the one in the database, and warns.
func applyGrabRules(store interface {
	SetRules(culture.Rules)
	SetSecretKey(string) error
}, g *grabFlags, log interface{ Warn(string, ...any) }) error {
	store.SetRules(g.rules())
	if g.SecretKey == "" {
		log.Warn("no --secret-key (WENYUN_SECRET_KEY): resident ID numbers are encrypted with a key kept in " +
			"the database; set one in production and keep it apart from backups")
		return nil
	}
	return store.SetSecretKey(g.SecretKey)
}
