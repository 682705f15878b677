package ops

import "github.com/vendgate/vendgate/core"

// OwnReasons exposes the adapter's reasons to the external tests.
func OwnReasons() map[core.Reason]core.Code { return ownReasons }
