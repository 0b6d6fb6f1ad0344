package mautictest

import (
	"errors"
	"slices"
	"testing"
)

func whereIDs(t *testing.T, st *store, query string) ([]int, error) {
	t.Helper()
	w, _ := parsePHPQuery(query).get("where")
	conds, err := parseWhere(w)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, r := range st.sorted() {
		ok := true
		for _, c := range conds {
			ok = ok && c.match(r)
		}
		if ok {
			ids = append(ids, r.id)
		}
	}
	return ids, nil
}

func TestWhere(t *testing.T) {
	st := searchFixture()
	st.contacts[3].fields["lastname"] = "O'Brien"
	st.contacts[4].fields["lastname"] = ""
	tests := []struct {
		name, q string
		want    []int
		wantErr bool
	}{
		{"eq exact", "where[0][col]=email&where[0][expr]=eq&where[0][val]=someone@example.com", []int{1}, false},
		{"eq ignores case", "where[0][col]=email&where[0][expr]=eq&where[0][val]=SOMEONE@example.com", []int{1}, false},
		{"eq is not prefix", "where[0][col]=email&where[0][expr]=eq&where[0][val]=someone@example.co", nil, false},
		{"eq plus encoded", "where[0][col]=email&where[0][expr]=eq&where[0][val]=some%2Btag@example.com", []int{2}, false},
		{"eq raw plus is a space", "where[0][col]=email&where[0][expr]=eq&where[0][val]=some+tag@example.com", nil, false},
		{"expr case ignored", "where[0][col]=email&where[0][expr]=EQ&where[0][val]=a_b@x.com", []int{5}, false},
		{"l. prefix", "where[0][col]=l.email&where[0][expr]=eq&where[0][val]=a_b@x.com", []int{5}, false},
		{"neq skips null", "where[0][col]=city&where[0][expr]=neq&where[0][val]=Paris", []int{3}, false},
		{"like", "where[0][col]=email&where[0][expr]=like&where[0][val]=%25x.com%25", []int{3, 4, 5}, false},
		{"notLike", "where[0][col]=email&where[0][expr]=notLike&where[0][val]=%25x.com%25", []int{1, 2}, false},
		{"in", "where[0][col]=email&where[0][expr]=in&where[0][val]=JOANN@x.com,a_b@x.com", []int{3, 5}, false},
		{"notIn", "where[0][col]=id&where[0][expr]=notIn&where[0][val]=1,2,3", []int{4, 5, 6}, false},
		{"in array form", "where[0][col]=email&where[0][expr]=in&where[0][val][]=joann@x.com", nil, true},
		{"ids in", "where[0][col]=id&where[0][expr]=in&where[0][val]=4,2,99", []int{2, 4}, false},
		{"gt on id", "where[0][col]=id&where[0][expr]=gt&where[0][val]=4", []int{5, 6}, false},
		{"between", "where[0][col]=id&where[0][expr]=between&where[0][val][]=2&where[0][val][]=3", []int{2, 3}, false},
		{"orX", "where[0][expr]=orX&where[0][val][0][col]=email&where[0][val][0][expr]=eq&where[0][val][0][val]=joann@x.com" +
			"&where[0][val][1][col]=email&where[0][val][1][expr]=eq&where[0][val][1][val]=a_b@x.com", []int{3, 5}, false},
		{"andX", "where[0][expr]=andX&where[0][val][0][col]=email&where[0][val][0][expr]=like&where[0][val][0][val]=%25x.com%25" +
			"&where[0][val][1][col]=city&where[0][val][1][expr]=eq&where[0][val][1][val]=berlin", []int{3}, false},
		{"two clauses AND", "where[0][col]=email&where[0][expr]=like&where[0][val]=%25x%25&where[1][col]=company&where[1][expr]=isNotNull", []int{4}, false},
		{"isNull", "where[0][col]=email&where[0][expr]=isNull", []int{6}, false},
		{"isEmpty", "where[0][col]=lastname&where[0][expr]=isEmpty", []int{2, 4, 5, 6}, false},
		{"isNotEmpty", "where[0][col]=lastname&where[0][expr]=isNotEmpty", []int{1, 3}, false},
		{"quote is HTML-encoded", "where[0][col]=lastname&where[0][expr]=eq&where[0][val]=O'Brien", nil, false},
		{"date column", "where[0][col]=date_identified&where[0][expr]=isNull", []int{6}, false},
		{"unknown column", "where[0][col]=mail&where[0][expr]=eq&where[0][val]=x", nil, true},
		{"unknown expr", "where[0][col]=email&where[0][expr]=matches&where[0][val]=x", nil, true},
		{"missing expr", "where[0][col]=email&where[0][val]=x", nil, true},
		{"not an array", "where=x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := whereIDs(t, st, tt.q)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errWhere) {
				t.Errorf("error %v is not errWhere", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSanitizeSpecialChars(t *testing.T) {
	tests := map[string]string{
		`O'Brien`:   "O&#39;Brien",
		`a"b<c>d&e`: "a&#34;b&#60;c&#62;d&#38;e",
		"tab\there": "tab&#9;here",
		"a+b@x.com": "a+b@x.com",
	}
	for in, want := range tests {
		if got := sanitizeSpecialChars(in); got != want {
			t.Errorf("sanitizeSpecialChars(%q) = %q, want %q", in, got, want)
		}
	}
}
