package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// dbFlag defines --db, read from WENYUN_DB too.
func dbFlag(fs *flagSet) *string {
	db := fs.String("db", defaultDB, "the database: sqlite:`PATH` or a postgres:// URL")
	fs.bindEnv("db")
	return db
}

// openTool opens (and so migrates) the database for a command other than
// serve, logging warnings to stderr.
func openTool(ctx context.Context, o Options, dsn string) (*sqlstore.Store, error) {
	log := slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return store, nil
}

// runMigrate applies the migrations, which opening the database does.
func runMigrate(ctx context.Context, o Options, args []string) error {
	fs := newFlagSet("migrate", "Apply the embedded database migrations, then exit. (serve applies them too.)")
	db := dbFlag(fs)
	if err := fs.parse(o, args); err != nil {
		return err
	}
	if err := checkDB(fs.from("db"), *db); err != nil {
		return &usageError{err}
	}
	store, err := openTool(ctx, o, *db)
	if err != nil {
		return err
	}
	engine := store.Engine()
	if err := store.Close(); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "migrated %s\n", engine)
	return nil
}

const tokenAbout = `Print a bearer token for the API (Authorization: Bearer TOKEN) for the
account with the phone, creating a resident account if there is none. With
--role and --unit, also grant the account that role at the unit. Only the
token is printed.`

// tokenArgs are the flags of token.
type tokenArgs struct {
	db, phone, role, unit, name string
}

// runToken prints a bearer token for an account.
func runToken(ctx context.Context, o Options, args []string) error {
	t, err := parseToken(o, args)
	if err != nil {
		return err
	}
	store, err := openTool(ctx, o, t.db)
	if err != nil {
		return err
	}
	defer store.Close()
	acct, err := tokenAccount(ctx, store, t)
	if err != nil {
		return err
	}
	tok, err := store.CreateToken(ctx, acct.ID, "wenyun token")
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	fmt.Fprintln(o.Stdout, tok)
	return nil
}

func parseToken(o Options, args []string) (*tokenArgs, error) {
	var t tokenArgs
	fs := newFlagSet("token", tokenAbout)
	db := dbFlag(fs)
	fs.StringVar(&t.phone, "phone", "", "the account's mobile `number` (required)")
	fs.StringVar(&t.role, "role", "", "grant this `role`: operator, hub_admin, branch_admin, provider_staff, checker or official")
	fs.StringVar(&t.unit, "unit", "", "the `unit` of the grant: its id or its exact name")
	fs.StringVar(&t.name, "name", "", "set the account's display `name`")
	if err := fs.parse(o, args); err != nil {
		return nil, err
	}
	t.db = *db
	if err := t.validate(fs.from("db")); err != nil {
		return nil, &usageError{err}
	}
	return &t, nil
}

func (t *tokenArgs) validate(dbName string) error {
	if err := checkDB(dbName, t.db); err != nil {
		return err
	}
	switch _, known := culture.RoleLabels[t.role]; {
	case t.phone == "":
		return fmt.Errorf("--phone is required")
	case !culture.ValidPhone(t.phone):
		return fmt.Errorf("--phone %q: want an 11-digit mobile number such as 13800138000", t.phone)
	case (t.role == "") != (t.unit == ""):
		return fmt.Errorf("--role and --unit go together")
	case t.role != "" && !known:
		return fmt.Errorf("--role %q: want operator, hub_admin, branch_admin, provider_staff, checker or official", t.role)
	}
	return nil
}

// tokenAccount finds or creates the account, names it and grants the role.
func tokenAccount(ctx context.Context, store *sqlstore.Store, t *tokenArgs) (*culture.Account, error) {
	acct, err := store.FindOrCreateResident(ctx, t.phone)
	if err != nil {
		return nil, err
	}
	if t.name != "" {
		if acct, err = store.UpdateAccount(ctx, acct.ID, culture.AccountUpdate{Name: &t.name}); err != nil {
			return nil, fmt.Errorf("set name: %w", err)
		}
	}
	if t.role == "" {
		return acct, nil
	}
	unit, err := findUnit(ctx, store, t.unit)
	if err != nil {
		return nil, err
	}
	g := &culture.Grant{AccountID: acct.ID, Role: t.role, UnitID: unit.ID}
	if err := store.CreateGrant(ctx, g); err != nil && culture.ErrorCode(err) != culture.ECONFLICT {
		return nil, fmt.Errorf("grant %s at %s: %w", t.role, unit.Name, err)
	}
	return acct, nil
}

// findUnit finds a unit by id or by exact name.
func findUnit(ctx context.Context, units culture.UnitService, ref string) (*culture.Unit, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		u, err := units.FindUnitByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("--unit %s: %w", ref, err)
		}
		return u, nil
	}
	all, _, err := units.FindUnits(ctx, culture.UnitFilter{})
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	var found []*culture.Unit
	var ids []string
	for _, u := range all {
		if u.Name == ref {
			found = append(found, u)
			ids = append(ids, strconv.FormatInt(u.ID, 10))
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("--unit %q: no unit has that name", ref)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("--unit %q: %d units have that name; give the id (%s)", ref, len(found), strings.Join(ids, ", "))
}
