package sqlstore

import "github.com/wenyun/wenyun/internal/culture"

var (
	_ culture.MenuService  = (*Store)(nil)
	_ culture.ImageService = (*Store)(nil)
)
