package culture

import "context"

// Actions checked by Can.
const (
	ActManageActivities = "manage_activities" // create, edit, cancel, attendees, approve
	ActCheckIn          = "check_in"
	ActManageRooms      = "manage_rooms"
	ActManageUnits      = "manage_units" // create units, staff and grants
)

// roleActions lists what each role may do within its subtree.
var roleActions = map[string][]string{
	RoleOperator:    {ActManageActivities, ActCheckIn, ActManageRooms, ActManageUnits},
	RoleHubAdmin:    {ActManageActivities, ActCheckIn, ActManageRooms},
	RoleBranchAdmin: {ActManageActivities, ActCheckIn, ActManageRooms},
	RoleChecker:     {ActCheckIn},
}

// Can reports whether the account may do act at unit u. It is the one place
// every permission question is answered.
func (a *Account) Can(act string, u *Unit) bool {
	if a == nil || u == nil {
		return false
	}
	for _, g := range a.Grants {
		if !hasPrefix(u.Path, g.UnitPath) {
			continue
		}
		for _, x := range roleActions[g.Role] {
			if x == act {
				return true
			}
		}
	}
	return false
}

// CanAnywhere reports whether the account may do act at some unit.
func (a *Account) CanAnywhere(act string) bool {
	if a == nil {
		return false
	}
	for _, g := range a.Grants {
		for _, x := range roleActions[g.Role] {
			if x == act {
				return true
			}
		}
	}
	return false
}

// Check returns ErrForbidden unless a may do act at u, and ErrUnauthorized
// when there is no account.
func (a *Account) Check(act string, u *Unit) error {
	if a == nil {
		return ErrUnauthorized
	} else if !a.Can(act, u) {
		return ErrForbidden
	}
	return nil
}

func hasPrefix(s, p string) bool { return p != "" && len(s) >= len(p) && s[:len(p)] == p }

type ctxKey int

const accountKey ctxKey = 1

// NewContextWithAccount returns ctx carrying the signed-in account.
func NewContextWithAccount(ctx context.Context, a *Account) context.Context {
	return context.WithValue(ctx, accountKey, a)
}

// AccountFromContext returns the signed-in account, or nil.
func AccountFromContext(ctx context.Context) *Account {
	a, _ := ctx.Value(accountKey).(*Account)
	return a
}
