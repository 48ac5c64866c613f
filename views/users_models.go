package views

import "strconv"

// UsersView is the boss's Users page: the accounts, the open invites, the form
// that makes one, a link made just now, and the audit of account actions.
type UsersView struct {
	Rows    []UserRow
	Invites []InviteRow
	Form    InviteForm
	Events  []AccountEventRow
	// Notice is a banner after an action; Link a fresh invite or reset link,
	// shown this once.
	Notice     string
	NoticeKind string // ok, warn, error
	Link       string
	Signup     string // the SIGNUP mode, explained on the page
}

// UserRow is one account in the list.
type UserRow struct {
	ID       int64
	Email    string
	Role     string
	Disabled bool
	Created  string
	You      bool // the boss looking at the page
}

// ActionURL is the address of an action on the account ("role", "disable", …).
func (r UserRow) ActionURL(action string) string {
	return "/boss/users/" + strconv.FormatInt(r.ID, 10) + "/" + action
}

// InviteRow is an invite that can still be used.
type InviteRow struct {
	Role    string
	By      string
	Created string
	Expires string
}

// InviteForm makes an invite link: the role it gives and how long it lasts.
type InviteForm struct {
	Role    string
	Expiry  string
	Roles   []Option
	Expires []Option
	Errors  FormErrors
}

// AccountEventRow is one audited account action.
type AccountEventRow struct {
	At      string
	Actor   string
	Action  string
	Subject string
	Detail  string
}

// LinkForm is the page behind an invite or reset link: a new account (invite) or
// a new password (reset).
type LinkForm struct {
	Action string // the form's address: the link itself
	Invite bool   // true: choose an email too
	Role   string // invites: the role the account gets
	Email  string
	Errors FormErrors
}
