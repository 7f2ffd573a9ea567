package jwt_test

import (
	"fmt"
	"log"
	"time"

	"github.com/nextauth-go/nextauth/jwt"
)

func Example() {
	codec, err := jwt.NewCodec(jwt.Options{Secret: "a secret of at least 32 characters!!"})
	if err != nil {
		log.Fatal(err)
	}
	token, err := codec.Encode(jwt.Claims{"sub": "42", "name": "Alice"}, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	claims, err := codec.Decode(token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims["name"], claims["sub"])
	fmt.Println(claims["exp"].(float64)-claims["iat"].(float64), "seconds")
	// Output:
	// Alice 42
	// 3600 seconds
}
