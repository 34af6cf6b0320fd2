package culture

import "context"

// Actions checked by Can.
const (
	ActManageActivities = "manage_activities" // create, edit, cancel, attendees, approve
	ActCheckIn          = "check_in"
	ActManageRooms      = "manage_rooms"
	ActManageUnits      = "manage_units" // create units, staff and grants
	// The culture menu: the hub reviews items, manages providers and plans
	// deliveries; branches request items for their own unit.
	ActReviewMenu     = "review_menu"
	ActPlanDeliveries = "plan_deliveries"
	ActRequestMenu    = "request_menu"
	// Issue 6: dashboards and reports (figures only, phones masked);
	// webhooks of the unit's events.
	ActViewStats      = "view_stats"
	ActManageWebhooks = "manage_webhooks"
)

// roleActions lists what each role may do within its subtree.
var roleActions = map[string][]string{
	RoleOperator: {ActManageActivities, ActCheckIn, ActManageRooms, ActManageUnits,
		ActReviewMenu, ActPlanDeliveries, ActRequestMenu, ActViewStats, ActManageWebhooks},
	RoleHubAdmin: {ActManageActivities, ActCheckIn, ActManageRooms,
		ActReviewMenu, ActPlanDeliveries, ActRequestMenu, ActViewStats, ActManageWebhooks},
	RoleBranchAdmin: {ActManageActivities, ActCheckIn, ActManageRooms, ActRequestMenu, ActViewStats},
	RoleChecker:     {ActCheckIn},
	RoleOfficial:    {ActViewStats},
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

// ProviderIDs lists the providers the account is staff of.
func (a *Account) ProviderIDs() []int64 {
	var ids []int64
	if a == nil {
		return nil
	}
	for _, g := range a.Grants {
		if g.Role == RoleProviderStaff && g.ProviderID != nil {
			ids = append(ids, *g.ProviderID)
		}
	}
	return ids
}

// IsProviderStaff reports whether the account is staff of the provider.
func (a *Account) IsProviderStaff(providerID int64) bool {
	for _, id := range a.ProviderIDs() {
		if id == providerID {
			return true
		}
	}
	return false
}

// CheckProvider returns nil when the account may act for the provider p:
// its own staff, or whoever reviews the menu at p's hub.
func (a *Account) CheckProvider(p *Provider, hub *Unit) error {
	switch {
	case a == nil:
		return ErrUnauthorized
	case a.IsProviderStaff(p.ID), hub != nil && hub.ID == p.HubID && a.Can(ActReviewMenu, hub):
		return nil
	}
	return ErrForbidden
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
