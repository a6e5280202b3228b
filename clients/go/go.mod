module github.com/orgwarden/orgwarden/clients/go

go 1.22
