package demo

import (
	"context"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

// branchAdminNames name the admins of the branches, in branchSeeds order.
var branchAdminNames = []string{
	"王丽娟", "刘建伟", "陈晓燕", "杨志强", "赵海涛",
	"孙春艳", "郭立新", "马红霞", "宋永刚", "韩慧敏",
}

// loadStaff creates the operator, the hub admin, one admin per branch, a
// checker at 焦西 and a district official who reads the hub's figures,
// each with a grant at their unit.
func (l *loader) loadStaff(ctx context.Context) error {
	total := 4 + len(l.branches)
	var err error
	if l.operator, err = l.createStaff(ctx, "operator", "周敏", culture.RoleOperator, l.hub); err != nil {
		return err
	}
	if l.hub.admin, err = l.createStaff(ctx, "hub", "李红梅", culture.RoleHubAdmin, l.hub); err != nil {
		return err
	}
	l.hub.checker = l.hub.admin
	l.progress(StageStaff, 2, total)
	for i, br := range l.branches {
		if br.admin, err = l.createStaff(ctx, br.user, branchAdminNames[i], culture.RoleBranchAdmin, br); err != nil {
			return err
		}
		br.checker = br.admin
		l.progress(StageStaff, 3+i, total)
	}
	jiaoxi := l.branches[0]
	if jiaoxi.checker, err = l.createStaff(ctx, "checker", "赵磊", culture.RoleChecker, jiaoxi); err != nil {
		return err
	}
	if _, err = l.createStaff(ctx, "official", "吴建国", culture.RoleOfficial, l.hub); err != nil {
		return err
	}
	l.progress(StageStaff, total, total)
	return nil
}

// createStaff creates a staff account with the demo password and a grant of
// role at the site, and returns the account with its grant loaded.
func (l *loader) createStaff(ctx context.Context, username, name, role string, at *site) (*culture.Account, error) {
	return l.createGrantee(ctx, username, name, &culture.Grant{Role: role, UnitID: at.unit.ID}, at.unit.Name)
}

// createGrantee creates a staff account with the demo password and the
// grant g at the unit named unit, and returns the account with its grant
// loaded.
func (l *loader) createGrantee(ctx context.Context, username, name string, g *culture.Grant, unit string) (*culture.Account, error) {
	a := &culture.Account{Username: username, Name: name}
	if err := l.s.CreateStaff(ctx, a, Password); err != nil {
		return nil, fmt.Errorf("create staff %s: %w", username, err)
	}
	g.AccountID = a.ID
	if err := l.s.CreateGrant(ctx, g); err != nil {
		return nil, fmt.Errorf("grant %s to %s: %w", g.Role, username, err)
	}
	a, err := l.s.FindAccountByID(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("find staff %s: %w", username, err)
	}
	l.sum.Staff = append(l.sum.Staff, StaffLogin{
		Username: username, Password: Password, Role: g.Role, Unit: unit,
	})
	return a, nil
}
