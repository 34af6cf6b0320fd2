package culture

import (
	"context"
	"time"
)

// Roles a grant can bind. A grant covers its unit's whole subtree.
const (
	RoleOperator      = "operator"
	RoleHubAdmin      = "hub_admin"
	RoleBranchAdmin   = "branch_admin"
	RoleProviderStaff = "provider_staff"
	RoleChecker       = "checker"
	// RoleOfficial reads figures and reports (district officials); it
	// sees no personal data unmasked.
	RoleOfficial = "official"
)

// RoleLabels names roles in Chinese.
var RoleLabels = map[string]string{
	RoleOperator:      "平台运营",
	RoleHubAdmin:      "总馆管理员",
	RoleBranchAdmin:   "分馆管理员",
	RoleProviderStaff: "文化主体",
	RoleChecker:       "检票员",
	RoleOfficial:      "统计查看",
}

// Account is a person: a resident (mobile number) or staff (username).
type Account struct {
	ID         int64     `json:"id"`
	Phone      string    `json:"phone,omitempty"`
	Username   string    `json:"username,omitempty"`
	Name       string    `json:"name"`
	HomeUnitID *int64    `json:"home_unit_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// PasswordHash is the argon2id hash of a staff password; never exported.
	PasswordHash string `json:"-"`
	// Grants are loaded with the account so permission checks need no query.
	Grants []*Grant `json:"grants,omitempty"`
}

// IsStaff reports whether the account holds any grant.
func (a *Account) IsStaff() bool { return a != nil && len(a.Grants) > 0 }

// DisplayName returns the name, else the masked phone, else the username.
func (a *Account) DisplayName() string {
	switch {
	case a.Name != "":
		return a.Name
	case a.Phone != "":
		return MaskPhone(a.Phone)
	}
	return a.Username
}

// Grant binds an account to a role at a unit and its subtree.
type Grant struct {
	ID        int64  `json:"id"`
	AccountID int64  `json:"account_id"`
	Role      string `json:"role"`
	UnitID    int64  `json:"unit_id"`
	UnitName  string `json:"unit_name,omitempty"`
	UnitPath  string `json:"-"`
	// ProviderID names the provider of a provider_staff grant (whose
	// unit is the provider's hub); nil for every other role.
	ProviderID *int64 `json:"provider_id,omitempty"`
}

// Validate checks a grant before it is stored.
func (g *Grant) Validate() error {
	if _, ok := RoleLabels[g.Role]; !ok {
		return Invalid("role", "角色无效。")
	}
	if g.UnitID <= 0 {
		return Invalid("unit_id", "请选择单位。")
	}
	if (g.Role == RoleProviderStaff) != (g.ProviderID != nil) {
		return Invalid("provider_id", "文化主体账号须指定所属主体，其他角色不能指定。")
	}
	return nil
}

// FamilyMember is a person a resident books for (子女、老人).
type FamilyMember struct {
	ID        int64  `json:"id"`
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Relation  string `json:"relation"`
	BirthYear int    `json:"birth_year,omitempty"`
}

// Relations a family member can have.
var Relations = []string{"子女", "父母", "配偶", "祖父母", "孙辈", "其他"}

// Validate checks a family member.
func (m *FamilyMember) Validate() error {
	if err := checkText("name", "姓名", m.Name, 1, 20); err != nil {
		return err
	}
	ok := false
	for _, r := range Relations {
		ok = ok || r == m.Relation
	}
	if !ok {
		return Invalid("relation", "请选择与您的关系。")
	}
	if m.BirthYear != 0 && (m.BirthYear < 1900 || m.BirthYear > time.Now().Year()) {
		return Invalid("birth_year", "出生年份无效。")
	}
	return nil
}

// AccountFilter selects accounts.
type AccountFilter struct {
	Phone     *string
	Username  *string
	StaffOnly bool
	Limit     int
	Offset    int
}

// AccountService stores accounts, grants, family members, sign-in codes and
// API tokens.
type AccountService interface {
	FindAccountByID(ctx context.Context, id int64) (*Account, error)
	FindAccounts(ctx context.Context, f AccountFilter) ([]*Account, int, error)
	// FindOrCreateResident returns the resident with that phone, creating it.
	FindOrCreateResident(ctx context.Context, phone string) (*Account, error)
	CreateStaff(ctx context.Context, a *Account, password string) error
	// Authenticate checks a staff username and password.
	Authenticate(ctx context.Context, username, password string) (*Account, error)
	SetPassword(ctx context.Context, accountID int64, password string) error
	UpdateAccount(ctx context.Context, id int64, upd AccountUpdate) (*Account, error)

	CreateGrant(ctx context.Context, g *Grant) error
	DeleteGrant(ctx context.Context, id int64) error

	FindFamily(ctx context.Context, accountID int64) ([]*FamilyMember, error)
	CreateFamilyMember(ctx context.Context, m *FamilyMember) error
	DeleteFamilyMember(ctx context.Context, accountID, id int64) error

	// CreateLoginCode stores a fresh one-time code for phone and returns it.
	// It refuses (ETOOMANY) when a code was issued less than a minute ago.
	CreateLoginCode(ctx context.Context, phone string) (string, error)
	// ConsumeLoginCode checks a code; on success it signs the resident in
	// (creating the account) and the code cannot be used again.
	ConsumeLoginCode(ctx context.Context, phone, code string) (*Account, error)

	// CreateToken issues a bearer token for the account and returns it.
	CreateToken(ctx context.Context, accountID int64, name string) (string, error)
	// FindAccountByToken resolves a bearer token.
	FindAccountByToken(ctx context.Context, token string) (*Account, error)
}

// AccountUpdate changes an account; nil fields stay as they are.
type AccountUpdate struct {
	Name       *string
	HomeUnitID *int64
}
