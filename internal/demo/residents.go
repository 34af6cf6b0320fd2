package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// resident is a created resident and the family members they book for.
type resident struct {
	acc    *culture.Account
	phone  string
	name   string
	female bool
	born   int
	home   *site
	kids   []*culture.FamilyMember
	elder  *culture.FamilyMember
}

// The demo resident that testers sign in as.
const (
	DemoPhone     = "13800138000"
	DemoName      = "张晓明"
	DemoChildName = "张小乐"
)

// branchWeights share the residents among the branches (branchSeeds order):
// the older city subdistricts are the most populous.
var branchWeights = []int{12, 10, 10, 9, 12, 9, 12, 7, 6, 8}

// residentPhone returns the mobile number of generated resident i:
// 139 0391 0000 onwards (0391 is Jiaozuo's area code).
func residentPhone(i int) string { return fmt.Sprintf("139%08d", 3910000+i) }

// loadResidents creates the demo resident and opt.Residents others, spread
// over the weeks before the first bookings.
func (l *loader) loadResidents(ctx context.Context) error {
	total := l.nres + 1
	l.setClock(l.day(-75 - l.shift()).Add(10 * time.Hour))
	l.demo = l.demoResident()
	if err := l.createResident(ctx, l.demo); err != nil {
		return err
	}
	l.progress(StageResidents, 1, total)
	n := namer{l.rng}
	for i := 0; i < l.nres; i++ {
		// Sign-ups spread over days -70 to -36 (earlier by the shift of a
		// larger scale), between 07:00 and 23:00.
		day := l.day(-70 - l.shift() + 34*i/l.nres)
		l.setClock(day.Add(between(l.rng, 7*time.Hour, 23*time.Hour)))
		if err := l.createResident(ctx, l.newResident(n, i)); err != nil {
			return err
		}
		l.report(StageResidents, i+2, total)
	}
	return nil
}

func (l *loader) demoResident() *resident {
	return &resident{
		phone: DemoPhone, name: DemoName, born: 1986, home: l.branches[0],
		kids: []*culture.FamilyMember{{Name: DemoChildName, Relation: "子女", BirthYear: 2017}},
	}
}

// newResident draws resident i: age, name, home branch and family.
func (l *loader) newResident(n namer, i int) *resident {
	r := &resident{phone: residentPhone(i), female: chance(l.rng, 0.56)}
	switch u := l.rng.Float64(); {
	case u < 0.3:
		r.born = 1950 + l.rng.IntN(20)
	case u < 0.75:
		r.born = 1970 + l.rng.IntN(20)
	default:
		r.born = 1990 + l.rng.IntN(12)
	}
	surname := n.surname()
	r.name = surname + n.given(generation(r.born), r.female)
	r.home = l.branches[weighted(l, branchWeights)]
	l.drawKids(n, r, surname)
	if r.born >= 1970 && chance(l.rng, 0.18) {
		r.elder = l.drawElder(n, r, surname)
	}
	return r
}

// drawKids gives about 30% of residents one or two school-age children.
func (l *loader) drawKids(n namer, r *resident, surname string) {
	if r.born < 1976 || !chance(l.rng, 0.43) {
		return
	}
	kids := 1
	if chance(l.rng, 0.15) {
		kids = 2
	}
	for k := 0; k < kids; k++ {
		year := 2012 + l.rng.IntN(9)
		if year < r.born+22 {
			year = r.born + 22
		}
		if year > 2020 {
			return
		}
		s := surname
		if r.female && chance(l.rng, 0.6) {
			s = n.surname() // the father's surname
		}
		name := s + n.given(genChild, chance(l.rng, 0.5))
		r.kids = append(r.kids, &culture.FamilyMember{Name: name, Relation: "子女", BirthYear: year})
	}
}

// drawElder returns an elderly parent (父亲 with the resident's surname, or
// 母亲 with another).
func (l *loader) drawElder(n namer, r *resident, surname string) *culture.FamilyMember {
	year := r.born - 24 - l.rng.IntN(9)
	if year < 1935 {
		year = 1935
	}
	name := surname + n.given(genOld, false)
	if chance(l.rng, 0.55) {
		name = n.full(genOld, true)
	}
	return &culture.FamilyMember{Name: name, Relation: "父母", BirthYear: year}
}

// createResident signs the resident up, names them, sets their home branch
// and adds their family.
func (l *loader) createResident(ctx context.Context, r *resident) error {
	acc, err := l.s.FindOrCreateResident(ctx, r.phone)
	if err != nil {
		return fmt.Errorf("create resident %s: %w", r.phone, err)
	}
	home := r.home.unit.ID
	r.acc, err = l.s.UpdateAccount(ctx, acc.ID, culture.AccountUpdate{Name: &r.name, HomeUnitID: &home})
	if err != nil {
		return fmt.Errorf("update resident %s: %w", r.phone, err)
	}
	members := append([]*culture.FamilyMember{}, r.kids...)
	if r.elder != nil {
		members = append(members, r.elder)
	}
	for _, m := range members {
		m.AccountID = acc.ID
		if err := l.s.CreateFamilyMember(ctx, m); err != nil {
			return fmt.Errorf("add family of %s: %w", r.phone, err)
		}
	}
	l.residents = append(l.residents, r)
	l.sum.Residents++
	return nil
}

// weighted draws an index with probability proportional to its weight.
func weighted(l *loader, w []int) int {
	sum := 0
	for _, x := range w {
		sum += x
	}
	n := l.rng.IntN(sum)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}
