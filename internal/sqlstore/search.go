package sqlstore

import (
	"strings"
	"unicode"
)

// searchTerms splits text into the tokens stored in search_text: every Han
// character and every pair of neighbouring Han characters (so one- and
// two-character queries both hit), and lower-cased Latin words and numbers.
// Bigrams do what a segmenter would, in a fraction of the memory.
func searchTerms(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	var han []rune
	var word []rune
	flush := func() {
		for i := range han {
			add(string(han[i]))
			if i+1 < len(han) {
				add(string(han[i : i+2]))
			}
		}
		han = han[:0]
		add(strings.ToLower(string(word)))
		word = word[:0]
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			if len(word) > 0 {
				add(strings.ToLower(string(word)))
				word = word[:0]
			}
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(han) > 0 {
				flushHan(&han, add)
			}
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func flushHan(han *[]rune, add func(string)) {
	h := *han
	for i := range h {
		add(string(h[i]))
		if i+1 < len(h) {
			add(string(h[i : i+2]))
		}
	}
	*han = h[:0]
}

// searchText is the stored form: the terms joined by spaces.
func searchText(parts ...string) string {
	return strings.Join(searchTerms(strings.Join(parts, " ")), " ")
}

// queryTerms turns a user's query into the terms that must all match: the
// bigrams of each Han run (or the single character of a one-character run)
// and each Latin word.
func queryTerms(q string) []string {
	var out []string
	for _, field := range strings.Fields(q) {
		runs := splitRuns(field)
		for _, run := range runs {
			r := []rune(run)
			if !unicode.Is(unicode.Han, r[0]) {
				out = append(out, strings.ToLower(run))
				continue
			}
			if len(r) == 1 {
				out = append(out, run)
			}
			for i := 0; i+1 < len(r); i++ {
				out = append(out, string(r[i:i+2]))
			}
		}
	}
	if len(out) > 16 {
		out = out[:16]
	}
	return out
}

// splitRuns splits s into runs of Han characters and runs of letters or
// digits, dropping punctuation.
func splitRuns(s string) []string {
	var runs []string
	var cur []rune
	curHan := false
	for _, r := range s {
		isHan := unicode.Is(unicode.Han, r)
		if !isHan && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if len(cur) > 0 {
				runs = append(runs, string(cur))
			}
			cur = cur[:0]
			continue
		}
		if len(cur) > 0 && isHan != curHan {
			runs = append(runs, string(cur))
			cur = cur[:0]
		}
		cur = append(cur, r)
		curHan = isHan
	}
	if len(cur) > 0 {
		runs = append(runs, string(cur))
	}
	return runs
}
